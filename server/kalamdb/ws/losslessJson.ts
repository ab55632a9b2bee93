/**
 * Client messages parsed with `lossless-json`, keeping number tokens as text so SeqIds above 2^53
 * (`options.from`, `last_seq_id`, ...) survive (spec §1.1). Nesting is limited, and every parse
 * failure (including a stack overflow on absurd nesting) becomes a JsonSyntaxError.
 */
import { parse } from 'lossless-json';

/** A JSON number as written. */
export class JsonNumber {
  constructor(readonly text: string) {}
}

export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | { [key: string]: JsonValue };

export class JsonSyntaxError extends Error {}

export function parseLosslessJson(text: string, maxDepth = 32): JsonValue {
  let value: JsonValue;
  try {
    value = parse(text, null, (digits) => new JsonNumber(digits)) as JsonValue;
  } catch (error) {
    if (error instanceof RangeError) throw new JsonSyntaxError('JSON nested too deep');
    throw new JsonSyntaxError(error instanceof Error ? error.message : 'malformed JSON');
  }
  if (depthExceeds(value, maxDepth)) throw new JsonSyntaxError(`JSON nested too deep (more than ${maxDepth} levels)`);
  return value;
}

function depthExceeds(value: JsonValue, budget: number): boolean {
  if (value === null || typeof value !== 'object' || value instanceof JsonNumber) return false;
  if (budget <= 0) return true;
  const children = Array.isArray(value) ? value : Object.values(value);
  return children.some((child) => depthExceeds(child, budget - 1));
}

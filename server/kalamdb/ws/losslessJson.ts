/**
 * A strict JSON parser (RFC 8259) that keeps number tokens as text, so SeqIds above 2^53 in client
 * messages (`options.from`, `last_seq_id`, ...) survive (spec §1.1). Nesting is limited, so no input
 * can exhaust the stack.
 */

/** A JSON number as written. */
export class JsonNumber {
  constructor(readonly text: string) {}
}

export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | { [key: string]: JsonValue };

export class JsonSyntaxError extends Error {}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WS = /[ \t\n\r]*/y;

export function parseLosslessJson(text: string, maxDepth = 32): JsonValue {
  let pos = 0;
  const fail = (what: string): never => {
    throw new JsonSyntaxError(`${what} at position ${pos}`);
  };
  const skip = (): void => {
    WS.lastIndex = pos;
    WS.exec(text);
    pos = WS.lastIndex;
  };
  const parseString = (): string => {
    let end = pos + 1;
    for (;;) {
      const q = text.indexOf('"', end);
      if (q < 0) return fail('Unterminated string');
      let backslashes = 0;
      while (text[q - 1 - backslashes] === '\\') backslashes++;
      end = q + 1;
      if (backslashes % 2 === 0) break;
    }
    let value: string;
    try {
      value = JSON.parse(text.slice(pos, end)) as string;
    } catch {
      return fail('Invalid string');
    }
    pos = end;
    return value;
  };
  const parseValue = (depth: number): JsonValue => {
    if (depth > maxDepth) fail('Nesting too deep');
    skip();
    const c = text[pos];
    if (c === '{') {
      pos++;
      const obj: { [key: string]: JsonValue } = Object.create(null) as { [key: string]: JsonValue };
      skip();
      if (text[pos] === '}') {
        pos++;
        return obj;
      }
      for (;;) {
        skip();
        if (text[pos] !== '"') fail('Expected a property name');
        const key = parseString();
        skip();
        if (text[pos] !== ':') fail("Expected ':'");
        pos++;
        obj[key] = parseValue(depth + 1);
        skip();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === '}') {
          pos++;
          return obj;
        }
        fail("Expected ',' or '}'");
      }
    }
    if (c === '[') {
      pos++;
      const arr: JsonValue[] = [];
      skip();
      if (text[pos] === ']') {
        pos++;
        return arr;
      }
      for (;;) {
        arr.push(parseValue(depth + 1));
        skip();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === ']') {
          pos++;
          return arr;
        }
        fail("Expected ',' or ']'");
      }
    }
    if (c === '"') return parseString();
    if (text.startsWith('true', pos)) {
      pos += 4;
      return true;
    }
    if (text.startsWith('false', pos)) {
      pos += 5;
      return false;
    }
    if (text.startsWith('null', pos)) {
      pos += 4;
      return null;
    }
    NUMBER.lastIndex = pos;
    const m = NUMBER.exec(text);
    if (!m) return fail('Unexpected token');
    pos = NUMBER.lastIndex;
    return new JsonNumber(m[0]);
  };
  const value = parseValue(0);
  skip();
  if (pos !== text.length) fail('Unexpected data after JSON');
  return value;
}

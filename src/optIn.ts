import { UsageError } from './errors.js';

/**
 * The message of an opt-in feature used without its import (README "opt-in imports"), e.g.
 * `changes() needs its opt-in import: import { liveChanges } from "livebind" and pass { changes: liveChanges } to createClient.`
 */
export function optInMessage(what: string, option: string, name: string, from: string): string {
  return `${what} needs its opt-in import: import { ${name} } from "${from}" and pass { ${option}: ${name} } to createClient.`;
}

/** The error of an opt-in feature used without its import: UsageError `OPT_IN_REQUIRED` with {@link optInMessage}. */
export function optInRequired(what: string, option: string, name: string, from: string): UsageError {
  return new UsageError(optInMessage(what, option, name, from), { code: 'OPT_IN_REQUIRED' });
}

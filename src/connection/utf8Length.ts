/**
 * The size measure of the outbound queue (the queue itself lives in Connection.ts, docs/SPEC.md
 * §1.4): what the server counts against its frame limit, also used by drivers to refuse frames
 * that are too large before they are queued.
 */

/** Bytes of `text` in UTF-8 (what the server measures against its frame limit), without encoding it. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    // A high surrogate followed by a low one (past the end, charCodeAt is NaN: no match).
    else if ((c & 0xfc00) === 0xd800 && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4; // surrogate pair
      i++;
    } else bytes += 3; // BMP, or a lone surrogate (encoded as U+FFFD)
  }
  return bytes;
}

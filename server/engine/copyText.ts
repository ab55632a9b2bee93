/**
 * PostgreSQL `COPY … TO` text format (tab-delimited, `\N` for NULL, backslash escapes) → rows of
 * raw text values, exactly what the text-format query protocol would have returned per cell (both
 * use the column type's output function). Reading a page with COPY costs PGlite one buffer instead
 * of one protocol message per row and cell (several times faster for large pages).
 */

/** Rows of one COPY text output with `columns` fields per line. Throws on a line with another field count. */
export function parseCopyText(text: string, columns: number): (string | null)[][] {
  const rows: (string | null)[][] = [];
  if (text.length === 0) return rows;
  const end = text.endsWith('\n') ? text.length - 1 : text.length;
  let lineStart = 0;
  while (lineStart <= end) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd < 0 || lineEnd > end) lineEnd = end;
    const row: (string | null)[] = new Array<string | null>(columns);
    let field = 0;
    let start = lineStart;
    for (;;) {
      let stop = text.indexOf('\t', start);
      if (stop < 0 || stop > lineEnd) stop = lineEnd;
      if (field >= columns) throw new Error(`COPY line has more than ${columns} fields`);
      row[field++] = decodeField(text, start, stop);
      if (stop === lineEnd) break;
      start = stop + 1;
    }
    if (field !== columns) throw new Error(`COPY line has ${field} fields, expected ${columns}`);
    rows.push(row);
    lineStart = lineEnd + 1;
    if (lineEnd === end) break;
  }
  return rows;
}

function decodeField(text: string, start: number, stop: number): string | null {
  const raw = text.slice(start, stop);
  // Searched within the field only: a search of the whole text would make a page quadratic.
  const slash = raw.indexOf('\\');
  if (slash < 0) return raw;
  if (raw === '\\N') return null;
  let out = raw.slice(0, slash);
  let i = start + slash;
  while (i < stop) {
    const c = text[i]!;
    if (c !== '\\' || i + 1 >= stop) {
      out += c;
      i++;
      continue;
    }
    const e = text[i + 1]!;
    i += 2;
    switch (e) {
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      default:
        if (e >= '0' && e <= '7') {
          // \ooo: up to three octal digits (a byte; COPY TO does not write these, accepted for completeness).
          let n = e.charCodeAt(0) - 48;
          for (let k = 0; k < 2 && i < stop && text[i]! >= '0' && text[i]! <= '7'; k++) n = n * 8 + text.charCodeAt(i++) - 48;
          out += String.fromCharCode(n);
        } else if (e === 'x' && i < stop && /[0-9a-fA-F]/.test(text[i]!)) {
          let n = parseInt(text[i++]!, 16);
          if (i < stop && /[0-9a-fA-F]/.test(text[i]!)) n = n * 16 + parseInt(text[i++]!, 16);
          out += String.fromCharCode(n);
        } else {
          out += e; // `\\`, and any other character stands for itself
        }
    }
  }
  return out;
}

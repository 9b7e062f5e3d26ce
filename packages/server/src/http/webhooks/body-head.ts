/**
 * Reads a few fields from the first bytes of a JSON body that was too large
 * to keep (the rest was discarded): who posted it and what it was, for the
 * 413 answer and the receipt. A small tolerant scanner: it walks the text as
 * JSON and stops quietly where the head was cut or stops being JSON.
 */

/** How many bytes of an over-limit body are kept for scanHead. */
export const HEAD_BYTES = 4096;

const MAX_DEPTH = 32;
const MAX_VALUE_CHARS = 200;
const LITERAL = /-?[0-9][0-9.eE+-]*|true|false|null/y;

/** Thrown inside the scanner when the head ends or is not JSON; never escapes it. */
class Stop extends Error {}
const STOP = new Stop();

/**
 * The first scalar value found at each wanted path (keys and array indexes
 * joined with `.`, e.g. `entry.0.changes.0.field`), as text of at most 200
 * characters; paths the head does not reach are absent.
 */
export function scanHead(text: string, wanted: readonly string[]): Map<string, string> {
  const want = new Set(wanted);
  const found = new Map<string, string>();
  const path: string[] = [];
  let i = 0;

  const peek = (): string => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) {
      i++;
    }
    if (i >= text.length) throw STOP;
    return text[i] as string;
  };
  const expect = (c: string): void => {
    if (peek() !== c) throw STOP;
    i++;
  };
  const record = (value: string): void => {
    const at = path.join('.');
    if (want.has(at) && !found.has(at)) found.set(at, value.slice(0, MAX_VALUE_CHARS));
  };
  const string = (): string => {
    expect('"');
    let s = '';
    for (;;) {
      if (i >= text.length) throw STOP;
      const c = text[i++] as string;
      if (c === '"') return s;
      if (c !== '\\') {
        s += c;
        continue;
      }
      const e = text[i++];
      if (e === 'u') {
        const hex = text.slice(i, i + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw STOP;
        s += String.fromCharCode(Number.parseInt(hex, 16));
        i += 4;
      } else if (e !== undefined)
        s += ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' } as const)[e as 'n'] ?? e;
      else throw STOP;
    }
  };
  const value = (depth: number): void => {
    if (depth > MAX_DEPTH) throw STOP;
    const c = peek();
    if (c === '{' || c === '[') {
      i++;
      const close = c === '{' ? '}' : ']';
      if (peek() === close) {
        i++;
        return;
      }
      for (let index = 0; ; index++) {
        if (c === '{') {
          path.push(string());
          expect(':');
        } else path.push(String(index));
        value(depth + 1);
        path.pop();
        const next = peek();
        i++;
        if (next === close) return;
        if (next !== ',') throw STOP;
      }
    }
    if (c === '"') {
      record(string());
      return;
    }
    LITERAL.lastIndex = i;
    const m = LITERAL.exec(text);
    // A number cut by the end of the head is not its value.
    if (!m || i + m[0].length >= text.length) throw STOP;
    i += m[0].length;
    record(m[0]);
  };

  try {
    value(0);
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
  }
  return found;
}

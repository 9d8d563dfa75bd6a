// Minimal bencode decoder. Dictionary keys are decoded as latin1 so binary keys
// (raw 20-byte info hashes in tracker scrapes) survive round trips.
export type BValue = number | Buffer | BValue[] | BDict;
export type BDict = Map<string, BValue>;

export interface Decoded {
  value: BValue;
  /** Raw bytes of the top-level dictionary's `info` value, if present. */
  info?: Buffer;
}

export function bdecode(buf: Buffer): Decoded {
  let pos = 0;
  let info: Buffer | undefined;

  const fail = (what: string): never => {
    throw new Error(`bencode: ${what} at offset ${pos}`);
  };

  const readUntil = (terminator: number): string => {
    const end = buf.indexOf(terminator, pos);
    if (end < 0) fail('unterminated token');
    const text = buf.toString('latin1', pos, end);
    pos = end + 1;
    return text;
  };

  const readBytes = (): Buffer => {
    const len = Number(readUntil(0x3a /* : */));
    if (!Number.isSafeInteger(len) || len < 0 || pos + len > buf.length) fail('bad string length');
    const out = buf.subarray(pos, pos + len);
    pos += len;
    return out;
  };

  const readValue = (depth: number): BValue => {
    const c = buf[pos];
    if (c === 0x69 /* i */) {
      pos++;
      const n = Number(readUntil(0x65 /* e */));
      if (!Number.isSafeInteger(n)) fail('bad integer');
      return n;
    }
    if (c === 0x6c /* l */) {
      pos++;
      const list: BValue[] = [];
      while (buf[pos] !== 0x65) {
        if (pos >= buf.length) fail('unterminated list');
        list.push(readValue(depth + 1));
      }
      pos++;
      return list;
    }
    if (c === 0x64 /* d */) {
      pos++;
      const dict: BDict = new Map();
      while (buf[pos] !== 0x65) {
        if (pos >= buf.length) fail('unterminated dict');
        const key = readBytes().toString('latin1');
        const start = pos;
        dict.set(key, readValue(depth + 1));
        if (depth === 0 && key === 'info') info = buf.subarray(start, pos);
      }
      pos++;
      return dict;
    }
    if (c !== undefined && c >= 0x30 && c <= 0x39) return readBytes();
    return fail('unexpected byte');
  };

  const value = readValue(0);
  if (pos !== buf.length) fail('trailing bytes');
  return info ? { value, info } : { value };
}

function get(dict: BValue, key: string): BValue | undefined {
  return dict instanceof Map ? dict.get(key) : undefined;
}

export function bInt(dict: BValue, key: string): number {
  const v = get(dict, key);
  if (typeof v !== 'number') throw new Error(`bencode: '${key}' is not an integer`);
  return v;
}

export function bBytes(dict: BValue, key: string): Buffer {
  const v = get(dict, key);
  if (!Buffer.isBuffer(v)) throw new Error(`bencode: '${key}' is not a byte string`);
  return v;
}

export function bDict(dict: BValue, key: string): BDict {
  const v = get(dict, key);
  if (!(v instanceof Map)) throw new Error(`bencode: '${key}' is not a dictionary`);
  return v;
}

export function bList(dict: BValue, key: string): BValue[] | undefined {
  const v = get(dict, key);
  return Array.isArray(v) ? v : undefined;
}

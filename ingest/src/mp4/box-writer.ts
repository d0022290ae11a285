// Writes ISO BMFF boxes. A small writer rather than mux.js's mp4-generator (only reachable through
// VHS, a dev dependency): that one writes trun version 0 only (no negative composition offsets).

/** Big-endian integer fields, in the widths ISO BMFF uses. */
export const u8 = (n: number): Buffer => Buffer.of(n & 0xff);

export function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n & 0xffff);
  return b;
}

export function u24(n: number): Buffer {
  const b = Buffer.alloc(3);
  b.writeUIntBE(n & 0xffffff, 0, 3);
  return b;
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

export function i32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

export function u64(n: number): Buffer {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`u64 field needs a safe non-negative integer, got ${n}`);
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

export const zeros = (n: number): Buffer => Buffer.alloc(n);

/** A box: 32-bit size, four-character type, then the payload. */
export function box(type: string, ...payload: Buffer[]): Buffer {
  if (type.length !== 4) throw new RangeError(`box type must be 4 characters, got '${type}'`);
  const size = 8 + payload.reduce((n, p) => n + p.length, 0);
  if (size > 0xffff_ffff) throw new RangeError(`box '${type}' of ${size} bytes needs a 64-bit size`);
  return Buffer.concat([u32(size), Buffer.from(type, "latin1"), ...payload]);
}

/** A FullBox: version and 24-bit flags before the payload. */
export function fullBox(type: string, version: number, flags: number, ...payload: Buffer[]): Buffer {
  return box(type, u8(version), u24(flags), ...payload);
}

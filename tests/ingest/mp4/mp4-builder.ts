// Builds small ISO BMFF boxes by hand for table tests of the reader's edge cases.

export function u8(n: number): Buffer {
  return Buffer.from([n]);
}
export function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}
export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}
export function u64(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(n);
  return b;
}

export function box(type: string, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  return Buffer.concat([u32(8 + body.length), Buffer.from(type, "latin1"), body]);
}

/** A box with a 64-bit size field. */
export function largeBox(type: string, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  return Buffer.concat([u32(1), Buffer.from(type, "latin1"), u64(BigInt(16 + body.length)), body]);
}

export function fullBox(type: string, version: number, flags: number, ...payload: Buffer[]): Buffer {
  return box(type, u32(((version & 0xff) << 24) | (flags & 0xffffff)), ...payload);
}

export const SYNC = 0x0200_0000; // sample_depends_on = 2 (depends on no other sample)
export const NON_SYNC = 0x0101_0000; // depends on others + sample_is_non_sync_sample

export interface TrunSample {
  duration?: number;
  size?: number;
  flags?: number;
  cto?: number;
}

export function trun(samples: TrunSample[], opts: { firstSampleFlags?: number; dataOffset?: number } = {}): Buffer {
  const has = (k: keyof TrunSample) => samples.length > 0 && samples.every((s) => s[k] !== undefined);
  let flags = 0;
  if (opts.dataOffset !== undefined) flags |= 0x001;
  if (opts.firstSampleFlags !== undefined) flags |= 0x004;
  if (has("duration")) flags |= 0x100;
  if (has("size")) flags |= 0x200;
  if (has("flags")) flags |= 0x400;
  if (has("cto")) flags |= 0x800;
  const parts = [u32(samples.length)];
  if (opts.dataOffset !== undefined) parts.push(u32(opts.dataOffset));
  if (opts.firstSampleFlags !== undefined) parts.push(u32(opts.firstSampleFlags));
  for (const s of samples) {
    if (flags & 0x100) parts.push(u32(s.duration!));
    if (flags & 0x200) parts.push(u32(s.size!));
    if (flags & 0x400) parts.push(u32(s.flags!));
    if (flags & 0x800) parts.push(u32(s.cto!));
  }
  return fullBox("trun", 0, flags, ...parts);
}

export interface TfhdDefaults {
  baseDataOffset?: bigint;
  duration?: number;
  size?: number;
  flags?: number;
}

export function tfhd(trackId: number, d: TfhdDefaults = {}): Buffer {
  let flags = 0x020000; // default-base-is-moof
  const parts = [u32(trackId)];
  if (d.baseDataOffset !== undefined) {
    flags |= 0x01;
    parts.push(u64(d.baseDataOffset));
  }
  if (d.duration !== undefined) {
    flags |= 0x08;
    parts.push(u32(d.duration));
  }
  if (d.size !== undefined) {
    flags |= 0x10;
    parts.push(u32(d.size));
  }
  if (d.flags !== undefined) {
    flags |= 0x20;
    parts.push(u32(d.flags));
  }
  return fullBox("tfhd", 0, flags, ...parts);
}

export function tfdt(time: number | bigint, version = 1): Buffer {
  return version === 1 ? fullBox("tfdt", 1, 0, u64(BigInt(time))) : fullBox("tfdt", 0, 0, u32(Number(time)));
}

export function moof(sequence: number, ...trafs: Buffer[]): Buffer {
  return box("moof", fullBox("mfhd", 0, 0, u32(sequence)), ...trafs);
}

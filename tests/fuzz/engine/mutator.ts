// Byte-level mutations in the style of libFuzzer/AFL "havoc": a few stacked edits per input, with
// interesting integers, a per-target dictionary and crossover with other corpus entries.

/** xoshiro128**: fast, seedable, good enough for choosing mutations. */
export class Rng {
  private readonly s = new Uint32Array(4);

  constructor(seed: number) {
    // splitmix32 spreads the seed over the state.
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }

  next32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = s[1]! << 9;
    s[2] = s[2]! ^ s[0]!;
    s[3] = s[3]! ^ s[1]!;
    s[1] = s[1]! ^ s[2]!;
    s[0] = s[0]! ^ s[3]!;
    s[2] = s[2]! ^ t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  /** Uniform in [0, n). */
  below(n: number): number {
    return n <= 1 ? 0 : this.next32() % n;
  }

  chance(p: number): boolean {
    return this.next32() / 2 ** 32 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }
}

const rotl = (x: number, k: number): number => (x << k) | (x >>> (32 - k));

const INTERESTING_8 = [0, 1, 2, 3, 4, 0x3f, 0x40, 0x7f, 0x80, 0xc0, 0xfe, 0xff];
const INTERESTING_16 = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x3ff, 0x600, 0x7fff, 0x8000, 0xfffe, 0xffff];
const INTERESTING_32 = [
  0, 1, 8, 16, 0x7f, 0x80, 0xff, 0x100, 0x1000, 0x10000, 0xffffff, 0x1000000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
];

export interface MutateOptions {
  maxLength: number;
  dictionary: readonly Buffer[];
  /** Another corpus entry for crossover. */
  other?: Buffer;
}

export class Mutator {
  constructor(private readonly rng: Rng) {}

  /** Returns a new buffer with 1..8 stacked mutations of `input`. */
  mutate(input: Buffer, options: MutateOptions): Buffer {
    let data: Buffer = Buffer.from(input);
    const rounds = 1 << this.rng.below(4);
    for (let i = 0; i < rounds; i++) data = this.once(data, options);
    return data.length > options.maxLength ? data.subarray(0, options.maxLength) : data;
  }

  private once(data: Buffer, options: MutateOptions): Buffer {
    const rng = this.rng;
    const pos = (extra = 0): number => rng.below(Math.max(1, data.length - extra + 1));
    switch (rng.below(data.length === 0 ? 3 : 14)) {
      case 0: // insert random bytes
      case 1: {
        const n = 1 + rng.below(rng.chance(0.8) ? 4 : 64);
        const bytes = Buffer.alloc(n);
        const fill = rng.chance(0.5) ? rng.below(256) : -1;
        for (let i = 0; i < n; i++) bytes[i] = fill >= 0 ? fill : rng.below(256);
        const at = pos();
        return Buffer.concat([data.subarray(0, at), bytes, data.subarray(at)]);
      }
      case 2: {
        // insert a dictionary token (or overwrite with it)
        if (options.dictionary.length === 0) return data;
        const token = rng.pick(options.dictionary);
        const at = pos();
        if (rng.chance(0.5)) return Buffer.concat([data.subarray(0, at), token, data.subarray(at)]);
        const out = Buffer.from(data);
        token.copy(out, at);
        return out.length >= data.length ? out : data;
      }
      case 3: {
        // flip a bit
        const out = Buffer.from(data);
        const at = rng.below(out.length);
        out[at] = out[at]! ^ (1 << rng.below(8));
        return out;
      }
      case 4: {
        // random byte
        const out = Buffer.from(data);
        out[rng.below(out.length)] = rng.below(256);
        return out;
      }
      case 5: {
        // interesting 8/16/32-bit value, big or little endian
        const out = Buffer.from(data);
        const width = rng.pick([1, 2, 4]);
        if (out.length < width) return out;
        const at = rng.below(out.length - width + 1);
        if (width === 1) out[at] = rng.pick(INTERESTING_8);
        else if (width === 2) (rng.chance(0.8) ? out.writeUInt16BE : out.writeUInt16LE).call(out, rng.pick(INTERESTING_16), at);
        else (rng.chance(0.8) ? out.writeUInt32BE : out.writeUInt32LE).call(out, rng.pick(INTERESTING_32), at);
        return out;
      }
      case 6: {
        // small arithmetic on a byte, u16 or u32 (big endian: RTMP and MP4 both are)
        const out = Buffer.from(data);
        const width = rng.pick([1, 2, 4]);
        if (out.length < width) return out;
        const at = rng.below(out.length - width + 1);
        const delta = (1 + rng.below(35)) * (rng.chance(0.5) ? 1 : -1);
        const max = 2 ** (8 * width);
        const value = (out.readUIntBE(at, width) + delta + max) % max;
        out.writeUIntBE(value, at, width);
        return out;
      }
      case 7:
      case 8: {
        // delete a range
        const n = 1 + rng.below(Math.min(data.length, rng.chance(0.8) ? 16 : 512));
        const at = rng.below(data.length - n + 1);
        return Buffer.concat([data.subarray(0, at), data.subarray(at + n)]);
      }
      case 9: {
        // duplicate a range somewhere else
        const n = 1 + rng.below(Math.min(data.length, 256));
        const from = rng.below(data.length - n + 1);
        const at = pos();
        return Buffer.concat([data.subarray(0, at), data.subarray(from, from + n), data.subarray(at)]);
      }
      case 10: {
        // overwrite a range with a copy of another range
        const out = Buffer.from(data);
        const n = 1 + rng.below(Math.min(data.length, 64));
        data.copy(out, rng.below(data.length - n + 1), rng.below(data.length - n + 1));
        return out;
      }
      case 11: {
        // crossover: our head + the other entry's tail, or a piece of it inserted
        const other = options.other;
        if (!other || other.length === 0) return data;
        if (rng.chance(0.5)) return Buffer.concat([data.subarray(0, pos()), other.subarray(rng.below(other.length))]);
        const n = 1 + rng.below(Math.min(other.length, 256));
        const from = rng.below(other.length - n + 1);
        const at = pos();
        return Buffer.concat([data.subarray(0, at), other.subarray(from, from + n), data.subarray(at)]);
      }
      case 12:
        // truncate
        return data.subarray(0, rng.below(data.length));
      default: {
        // shuffle a few bytes
        const out = Buffer.from(data);
        const n = Math.min(out.length, 2 + rng.below(7));
        const at = rng.below(out.length - n + 1);
        for (let i = n - 1; i > 0; i--) {
          const j = rng.below(i + 1);
          const tmp = out[at + i]!;
          out[at + i] = out[at + j]!;
          out[at + j] = tmp;
        }
        return out;
      }
    }
  }
}

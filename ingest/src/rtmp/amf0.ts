// AMF0 (Action Message Format 0), the encoding of RTMP commands and metadata.
import { Amf0Error, fail, ok, type Result } from "./errors.js";

export interface Amf0Object {
  [key: string]: Amf0Value;
}

/** An AMF0 ECMA array (associative array); onMetaData carries one. Kept distinct from an object so it round-trips. */
export class Amf0EcmaArray {
  constructor(readonly properties: Amf0Object) {}
}

export type Amf0Value = number | boolean | string | null | undefined | Date | Amf0Value[] | Amf0Object | Amf0EcmaArray;

const Amf0Marker = {
  number: 0x00,
  boolean: 0x01,
  string: 0x02,
  object: 0x03,
  movieclip: 0x04,
  null: 0x05,
  undefined: 0x06,
  reference: 0x07,
  ecmaArray: 0x08,
  objectEnd: 0x09,
  strictArray: 0x0a,
  date: 0x0b,
  longString: 0x0c,
  unsupported: 0x0d,
  recordset: 0x0e,
  xmlDocument: 0x0f,
  typedObject: 0x10,
  avmPlus: 0x11,
} as const;

export interface Amf0Limits {
  /** Nesting of objects/arrays. */
  maxDepth: number;
  /** Values decoded in one call, so a small message cannot expand into a huge object graph. */
  maxValues: number;
}

export const defaultAmf0Limits: Amf0Limits = { maxDepth: 16, maxValues: 65_536 };

const unsupportedMarkers = new Set<number>([
  Amf0Marker.movieclip,
  Amf0Marker.reference,
  Amf0Marker.unsupported,
  Amf0Marker.recordset,
  Amf0Marker.xmlDocument,
  Amf0Marker.typedObject,
  Amf0Marker.avmPlus,
]);

/** Objects decoded from the wire have no prototype, so a key like "__proto__" is only data. */
function newObject(): Amf0Object {
  return Object.create(null) as Amf0Object;
}

class Amf0Decoder {
  private pos = 0;
  private values = 0;

  constructor(
    private readonly buf: Buffer,
    private readonly limits: Amf0Limits,
  ) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) {
      throw new Amf0Error("truncated", `AMF0 ${what} needs ${n} bytes at offset ${this.pos}, ${this.buf.length - this.pos} left`);
    }
  }

  private u8(what: string): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }

  private u16(what: string): number {
    this.need(2, what);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  private u32(what: string): number {
    this.need(4, what);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  private double(what: string): number {
    this.need(8, what);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  private utf8(length: number, what: string): string {
    this.need(length, what);
    const s = this.buf.toString("utf8", this.pos, this.pos + length);
    this.pos += length;
    return s;
  }

  value(depth: number): Amf0Value {
    if (++this.values > this.limits.maxValues) {
      throw new Amf0Error("size-limit", `AMF0 input has more than ${this.limits.maxValues} values`);
    }
    const marker = this.u8("marker");
    switch (marker) {
      case Amf0Marker.number:
        return this.double("number");
      case Amf0Marker.boolean:
        return this.u8("boolean") !== 0;
      case Amf0Marker.string:
        return this.utf8(this.u16("string length"), "string");
      case Amf0Marker.longString:
        return this.utf8(this.u32("long string length"), "long string");
      case Amf0Marker.null:
        return null;
      case Amf0Marker.undefined:
        return undefined;
      case Amf0Marker.date: {
        const ms = this.double("date");
        this.u16("date time zone");
        return new Date(ms);
      }
      case Amf0Marker.object:
        this.enter(depth);
        return this.properties(depth, null);
      case Amf0Marker.ecmaArray: {
        this.enter(depth);
        const count = this.u32("ECMA array count");
        return new Amf0EcmaArray(this.properties(depth, count));
      }
      case Amf0Marker.strictArray: {
        this.enter(depth);
        const count = this.u32("strict array count");
        // Every element takes at least one byte: a count beyond the input is malformed, not a reason to allocate.
        this.need(count, "strict array elements");
        const items: Amf0Value[] = [];
        for (let i = 0; i < count; i++) items.push(this.value(depth + 1));
        return items;
      }
      case Amf0Marker.objectEnd:
        throw new Amf0Error("unexpected-object-end", `AMF0 object-end marker outside an object at offset ${this.pos - 1}`);
      default:
        if (unsupportedMarkers.has(marker)) {
          throw new Amf0Error("unsupported-marker", `AMF0 marker 0x${marker.toString(16)} is not supported`);
        }
        throw new Amf0Error("unknown-marker", `unknown AMF0 marker 0x${marker.toString(16)} at offset ${this.pos - 1}`);
    }
  }

  private enter(depth: number): void {
    if (depth + 1 > this.limits.maxDepth) {
      throw new Amf0Error("depth-limit", `AMF0 nesting deeper than ${this.limits.maxDepth}`);
    }
  }

  /** Key/value pairs up to the object-end marker. An ECMA array that ends with the buffer after `count` pairs is accepted: some encoders omit its end marker. */
  private properties(depth: number, count: number | null): Amf0Object {
    const obj = newObject();
    let read = 0;
    for (;;) {
      if (count !== null && read >= count && this.done) return obj;
      const keyLength = this.u16("property name length");
      if (keyLength === 0 && this.pos < this.buf.length && this.buf[this.pos] === Amf0Marker.objectEnd) {
        this.pos++;
        return obj;
      }
      const key = this.utf8(keyLength, "property name");
      obj[key] = this.value(depth + 1);
      read++;
    }
  }
}

/** Decodes every AMF0 value in `bytes` (a command or data message body). */
export function decodeAmf0(bytes: Buffer, limits: Amf0Limits = defaultAmf0Limits): Result<Amf0Value[], Amf0Error> {
  const decoder = new Amf0Decoder(bytes, limits);
  const values: Amf0Value[] = [];
  try {
    while (!decoder.done) values.push(decoder.value(0));
  } catch (err) {
    if (err instanceof Amf0Error) return fail(err);
    throw err;
  }
  return ok(values);
}

function isPlainObject(v: object): v is Amf0Object {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

class Amf0Encoder {
  readonly parts: Buffer[] = [];

  private marker(m: number): void {
    this.parts.push(Buffer.of(m));
  }

  private key(name: string): void {
    const bytes = Buffer.from(name, "utf8");
    if (bytes.length > 0xffff) throw new Amf0Error("unencodable", "AMF0 property name longer than 65535 bytes");
    const len = Buffer.alloc(2);
    len.writeUInt16BE(bytes.length);
    this.parts.push(len, bytes);
  }

  private properties(obj: Amf0Object, depth: number): void {
    for (const [k, v] of Object.entries(obj)) {
      this.key(k);
      this.value(v, depth + 1);
    }
    this.parts.push(Buffer.of(0, 0, Amf0Marker.objectEnd));
  }

  value(v: Amf0Value, depth: number): void {
    if (depth > defaultAmf0Limits.maxDepth) throw new Amf0Error("depth-limit", "AMF0 value nested too deeply to encode");
    if (v === null) return this.marker(Amf0Marker.null);
    if (v === undefined) return this.marker(Amf0Marker.undefined);
    switch (typeof v) {
      case "number": {
        const b = Buffer.alloc(9);
        b[0] = Amf0Marker.number;
        b.writeDoubleBE(v, 1);
        this.parts.push(b);
        return;
      }
      case "boolean":
        this.parts.push(Buffer.of(Amf0Marker.boolean, v ? 1 : 0));
        return;
      case "string": {
        const bytes = Buffer.from(v, "utf8");
        if (bytes.length <= 0xffff) {
          const h = Buffer.alloc(3);
          h[0] = Amf0Marker.string;
          h.writeUInt16BE(bytes.length, 1);
          this.parts.push(h, bytes);
        } else {
          const h = Buffer.alloc(5);
          h[0] = Amf0Marker.longString;
          h.writeUInt32BE(bytes.length, 1);
          this.parts.push(h, bytes);
        }
        return;
      }
      case "object":
        break;
      default:
        throw new Amf0Error("unencodable", `cannot encode a ${typeof v} as AMF0`);
    }
    if (v instanceof Date) {
      const b = Buffer.alloc(11);
      b[0] = Amf0Marker.date;
      b.writeDoubleBE(v.getTime(), 1);
      this.parts.push(b);
      return;
    }
    if (Array.isArray(v)) {
      const h = Buffer.alloc(5);
      h[0] = Amf0Marker.strictArray;
      h.writeUInt32BE(v.length, 1);
      this.parts.push(h);
      for (const item of v) this.value(item, depth + 1);
      return;
    }
    if (v instanceof Amf0EcmaArray) {
      const h = Buffer.alloc(5);
      h[0] = Amf0Marker.ecmaArray;
      h.writeUInt32BE(Object.keys(v.properties).length, 1);
      this.parts.push(h);
      this.properties(v.properties, depth);
      return;
    }
    if (isPlainObject(v)) {
      this.marker(Amf0Marker.object);
      this.properties(v, depth);
      return;
    }
    throw new Amf0Error("unencodable", "cannot encode a class instance as AMF0");
  }
}

/** Encodes values back to back, as in a command message body. Throws Amf0Error for values AMF0 cannot hold. */
export function encodeAmf0(values: readonly Amf0Value[]): Buffer {
  const encoder = new Amf0Encoder();
  for (const v of values) encoder.value(v, 0);
  return Buffer.concat(encoder.parts);
}

/** A decoded object or ECMA array as plain properties (for reading metadata and command objects). */
export function amf0Properties(v: Amf0Value): Amf0Object | null {
  if (v instanceof Amf0EcmaArray) return v.properties;
  if (v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date)) return v;
  return null;
}

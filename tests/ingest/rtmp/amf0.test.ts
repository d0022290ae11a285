import { describe, expect, it } from "vitest";
import { Amf0EcmaArray, decodeAmf0, encodeAmf0, type Amf0Value } from "../../../ingest/src/rtmp/amf0.js";
import { Amf0Error } from "../../../ingest/src/rtmp/errors.js";

function decodeOk(bytes: Buffer, limits?: Parameters<typeof decodeAmf0>[1]): Amf0Value[] {
  const r = decodeAmf0(bytes, limits);
  if (!r.ok) throw r.error;
  return r.value;
}

function decodeErr(bytes: Buffer, limits?: Parameters<typeof decodeAmf0>[1]): Amf0Error {
  const r = decodeAmf0(bytes, limits);
  if (r.ok) throw new Error(`expected an error, decoded ${JSON.stringify(r.value)}`);
  expect(r.error).toBeInstanceOf(Amf0Error);
  return r.error;
}

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex");

describe("AMF0 encoding matches the spec bytes", () => {
  it.each<[string, Amf0Value, string]>([
    ["number 1", 1, "00 3ff0000000000000"],
    ["number -2.5", -2.5, "00 c004000000000000"],
    ["true", true, "01 01"],
    ["false", false, "01 00"],
    ["string", "connect", "02 0007 636f6e6e656374"],
    ["empty string", "", "02 0000"],
    ["null", null, "05"],
    ["undefined", undefined, "06"],
    ["object", { a: 1 }, "03 0001 61 00 3ff0000000000000 000009"],
    ["ECMA array", new Amf0EcmaArray({ w: true }), "08 00000001 0001 77 0101 000009"],
    ["strict array", [null, "x"], "0a 00000002 05 02 0001 78"],
    ["date", new Date(0), "0b 0000000000000000 0000"],
  ])("%s", (_name, value, bytes) => {
    expect(encodeAmf0([value]).toString("hex")).toBe(hex(bytes).toString("hex"));
    expect(decodeOk(hex(bytes))).toEqual([value]);
  });

  it("uses a long string above 65535 UTF-8 bytes and decodes it back", () => {
    const long = "é".repeat(40_000); // 80 000 bytes in UTF-8
    const bytes = encodeAmf0([long]);
    expect(bytes[0]).toBe(0x0c);
    expect(bytes.readUInt32BE(1)).toBe(80_000);
    expect(decodeOk(bytes)).toEqual([long]);
  });
});

describe("AMF0 round trips", () => {
  it("keeps a command with nested values intact", () => {
    const values: Amf0Value[] = [
      "_result",
      1,
      { fmsVer: "FMS/3,0,1,123", capabilities: 31, nested: { deeper: [1, "two", false, null, undefined] } },
      new Amf0EcmaArray({ duration: 0, width: 640, encoder: "Lavf59", stereo: true }),
      new Date(1_700_000_000_123),
      "ünïcødé ✓",
      Number.MAX_SAFE_INTEGER,
      -0,
      Infinity,
    ];
    const decoded = decodeOk(encodeAmf0(values));
    expect(decoded).toEqual(values);
    expect(decoded[2]).not.toBeInstanceOf(Amf0EcmaArray);
    expect(decoded[3]).toBeInstanceOf(Amf0EcmaArray);
    expect(decoded[4]).toBeInstanceOf(Date);
  });

  it("keeps NaN", () => {
    const [v] = decodeOk(encodeAmf0([NaN]));
    expect(Number.isNaN(v)).toBe(true);
  });

  it("decodes an ECMA array whose encoder omitted the end marker", () => {
    // count 1, "a" -> true, then the buffer ends
    expect(decodeOk(hex("08 00000001 0001 61 0101"))).toEqual([new Amf0EcmaArray({ a: true })]);
  });

  it("keeps a __proto__ key as plain data", () => {
    const bytes = hex("03 0009 5f5f70726f746f5f5f 03 0005 706f6c6c75 0101 000009 000009");
    const [obj] = decodeOk(bytes) as [Record<string, unknown>];
    expect(Object.getPrototypeOf(obj)).toBeNull();
    expect(Object.keys(obj)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).pollu).toBeUndefined();
  });
});

describe("malformed AMF0 gives typed errors", () => {
  it("every proper prefix of an encoded object is 'truncated'", () => {
    const bytes = encodeAmf0([{ app: "live", tcUrl: "rtmp://h/live", n: 3, list: [1, "a"], when: new Date(5), flag: true }]);
    for (let i = 1; i < bytes.length; i++) {
      expect(decodeErr(bytes.subarray(0, i)).code, `prefix ${i}`).toBe("truncated");
    }
  });

  it.each<[string, string, string]>([
    ["unknown marker", "20", "unknown-marker"],
    ["AVM+ switch", "11 00", "unsupported-marker"],
    ["reference", "07 0001", "unsupported-marker"],
    ["typed object", "10 0001 61 000009", "unsupported-marker"],
    ["object end at top level", "09", "unexpected-object-end"],
    ["strict array count beyond the input", "0a ffffffff 05", "truncated"],
    ["long string length beyond the input", "0c 7fffffff 61", "truncated"],
    ["object without its end", "03 0001 61 05", "truncated"],
  ])("%s", (_name, bytes, code) => {
    expect(decodeErr(hex(bytes)).code).toBe(code);
  });

  it("enforces the nesting limit", () => {
    expect(decodeOk(hexNested(16))).toHaveLength(1);
    expect(decodeErr(hexNested(17)).code).toBe("depth-limit");
    expect(decodeErr(hexNested(5), { maxDepth: 4, maxValues: 100 }).code).toBe("depth-limit");
  });

  it("enforces the value-count limit", () => {
    const bytes = encodeAmf0([[null, null, null, null, null, null, null, null, null, null]]);
    expect(decodeErr(bytes, { maxDepth: 16, maxValues: 5 }).code).toBe("size-limit");
    expect(decodeOk(bytes, { maxDepth: 16, maxValues: 11 })).toHaveLength(1);
  });

  it("refuses to encode what AMF0 cannot hold", () => {
    expect(() => encodeAmf0([(() => 1) as unknown as Amf0Value])).toThrow(Amf0Error);
    expect(() => encodeAmf0([10n as unknown as Amf0Value])).toThrow(Amf0Error);
    expect(() => encodeAmf0([new Map() as unknown as Amf0Value])).toThrow(Amf0Error);
  });
});

/** `depth` objects nested in each other, built as bytes so the encoder's own limit is not involved. */
function hexNested(depth: number): Buffer {
  const open = Buffer.from("03000176", "hex"); // object, key "v"
  return Buffer.concat([
    ...Array<Buffer>(depth).fill(open),
    Buffer.from("05", "hex"),
    ...Array<Buffer>(depth).fill(Buffer.from("000009", "hex")),
  ]);
}

import { createHmac, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { HandshakeError } from "../../../ingest/src/rtmp/errors.js";
import { createHandshakeReply, findClientDigest, type HandshakeReply } from "../../../ingest/src/rtmp/handshake.js";

// The test derives the keys from their published text, independently of the module's constants.
const TAIL = "f0eec24a8068bee82e00d0d1029e7e576eec5d2d29806fab93b8e636cfeb31ae";
const PLAYER_KEY_30 = Buffer.from("Genuine Adobe Flash Player 001");
const SERVER_KEY_36 = Buffer.from("Genuine Adobe Flash Media Server 001");
const SERVER_KEY_68 = Buffer.concat([SERVER_KEY_36, Buffer.from(TAIL, "hex")]);

const hmac = (key: Buffer, ...parts: Buffer[]): Buffer => {
  const h = createHmac("sha256", key);
  for (const p of parts) h.update(p);
  return h.digest();
};

/** Where a digest sits for scheme 0 (offset bytes 8..11) or 1 (offset bytes 772..775). */
function offsetOf(packet: Buffer, scheme: 0 | 1): number {
  const base = scheme === 0 ? 8 : 772;
  return ((packet[base]! + packet[base + 1]! + packet[base + 2]! + packet[base + 3]!) % 728) + base + 4;
}

/** A C0+C1 the way librtmp builds one for its FP9 handshake. */
function digestC0C1(scheme: 0 | 1): { c0c1: Buffer; digest: Buffer } {
  const c1 = randomBytes(1536);
  c1.writeUInt32BE(12345, 0);
  c1.set([10, 0, 45, 2], 4);
  const at = offsetOf(c1, scheme);
  const digest = hmac(PLAYER_KEY_30, c1.subarray(0, at), c1.subarray(at + 32));
  digest.copy(c1, at);
  return { c0c1: Buffer.concat([Buffer.of(3), c1]), digest };
}

function reply(c0c1: Buffer): HandshakeReply {
  const r = createHandshakeReply(c0c1, { time: 777 });
  if (!r.ok) throw r.error;
  expect(r.value.bytes.length).toBe(1 + 1536 + 1536);
  expect(r.value.bytes[0]).toBe(3);
  return r.value;
}

/** What a digest-checking client (librtmp, ffmpeg as a player) verifies in S1 and S2. */
function clientAccepts(bytes: Buffer, clientDigest: Buffer): boolean {
  const s1 = bytes.subarray(1, 1537);
  const s2 = bytes.subarray(1537);
  const s1Valid = ([0, 1] as const).some((scheme) => {
    const at = offsetOf(s1, scheme);
    return hmac(SERVER_KEY_36, s1.subarray(0, at), s1.subarray(at + 32)).equals(s1.subarray(at, at + 32));
  });
  const key = hmac(SERVER_KEY_68, clientDigest);
  const s2Valid = hmac(key, s2.subarray(0, 1504)).equals(s2.subarray(1504));
  return s1Valid && s2Valid && s1.readUInt32BE(4) !== 0;
}

describe("handshake", () => {
  it("answers a plain C1 with S2 echoing it", () => {
    const c1 = Buffer.concat([Buffer.from([0, 0, 0, 9, 0, 0, 0, 0]), randomBytes(1528)]);
    const r = reply(Buffer.concat([Buffer.of(3), c1]));
    expect(r.clientDigest).toBeNull();
    expect(r.bytes.readUInt32BE(1)).toBe(777);
    expect(r.bytes.subarray(1537).equals(c1)).toBe(true);
  });

  it.each([0, 1] as const)("answers a digest C1 (scheme %i) with S1/S2 a client validates", (scheme) => {
    const { c0c1, digest } = digestC0C1(scheme);
    const r = reply(c0c1);
    expect(r.clientDigest?.scheme).toBe(scheme);
    expect(r.clientDigest?.digest.equals(digest)).toBe(true);
    expect(clientAccepts(r.bytes, digest)).toBe(true);
    // The S1 digest sits where the client looks first: the scheme it used itself.
    const s1 = r.bytes.subarray(1, 1537);
    const at = offsetOf(s1, scheme);
    expect(hmac(SERVER_KEY_36, s1.subarray(0, at), s1.subarray(at + 32)).equals(s1.subarray(at, at + 32))).toBe(true);
  });

  it("a corrupted reply would not validate (the check is real)", () => {
    const { c0c1, digest } = digestC0C1(0);
    const bytes = Buffer.from(reply(c0c1).bytes);
    bytes[1537 + 10]! ^= 0xff;
    expect(clientAccepts(bytes, digest)).toBe(false);
  });

  it("finds the digest in a C1 recorded from a real ffmpeg client", () => {
    const recorded = readFileSync(new URL("../fixtures/rtmp/ffmpeg-publish.bin", import.meta.url));
    const c0c1 = recorded.subarray(0, 1537);
    const digest = findClientDigest(c0c1.subarray(1));
    expect(digest).not.toBeNull();
    expect(clientAccepts(reply(c0c1).bytes, digest!.digest)).toBe(true);
  });

  it("falls back to the plain form when a versioned C1 carries no valid digest", () => {
    const c1 = randomBytes(1536);
    c1.set([10, 0, 45, 2], 4);
    const r = reply(Buffer.concat([Buffer.of(3), c1]));
    expect(r.clientDigest).toBeNull();
    expect(r.bytes.subarray(1537).equals(c1)).toBe(true);
  });

  it.each<[string, Buffer, string]>([
    ["encrypted RTMPE version", Buffer.concat([Buffer.of(6), Buffer.alloc(1536)]), "bad-version"],
    ["HTTP on the RTMP port", Buffer.concat([Buffer.from("GET / HTTP/1.1\r\n"), Buffer.alloc(1521)]), "bad-version"],
    ["short input", Buffer.alloc(100, 3), "bad-length"],
  ])("refuses %s", (_name, input, code) => {
    const r = createHandshakeReply(input);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toBeInstanceOf(HandshakeError);
      expect(r.error.code).toBe(code);
    }
  });
});

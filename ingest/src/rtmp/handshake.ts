// RTMP handshake: C0+C1 -> S0+S1+S2, in the plain form and the HMAC-SHA256 "digest" form that Flash-era
// clients (librtmp, ffmpeg) send. Constants follow public descriptions of the scheme (rtmpdump, ffmpeg).
import { createHmac, randomBytes } from "node:crypto";
import { HandshakeError, fail, ok, type Result } from "./errors.js";

export const RTMP_VERSION = 3;
export const HANDSHAKE_SIZE = 1536;
const DIGEST_SIZE = 32;

const keyTail = Buffer.from("f0eec24a8068bee82e00d0d1029e7e576eec5d2d29806fab93b8e636cfeb31ae", "hex");
/** "Genuine Adobe Flash Player 001" + 32 bytes; clients sign C1 with the first 30 bytes. */
const FLASH_PLAYER_KEY = Buffer.concat([Buffer.from("Genuine Adobe Flash Player 001", "ascii"), keyTail]);
/** "Genuine Adobe Flash Media Server 001" + 32 bytes; servers sign S1 with the first 36 bytes, S2 with a key derived from all 68. */
const FLASH_MEDIA_SERVER_KEY = Buffer.concat([Buffer.from("Genuine Adobe Flash Media Server 001", "ascii"), keyTail]);
export const FLASH_PLAYER_KEY_SHORT = FLASH_PLAYER_KEY.subarray(0, 30);
export const FLASH_MEDIA_SERVER_KEY_SHORT = FLASH_MEDIA_SERVER_KEY.subarray(0, 36);

/** Version we announce in S1 when answering a digest handshake; clients only check it is non-zero. */
const SERVER_VERSION = Buffer.of(0x0d, 0x0e, 0x0a, 0x0d);

/**
 * The two places a digest can live. Scheme 0 reads its offset from bytes 8..11 (digest within 12..771),
 * scheme 1 from bytes 772..775 (digest within 776..1535).
 */
type DigestScheme = 0 | 1;

export function digestOffset(packet: Buffer, scheme: DigestScheme): number {
  const base = scheme === 0 ? 8 : 772;
  const sum = packet[base]! + packet[base + 1]! + packet[base + 2]! + packet[base + 3]!;
  return (sum % 728) + base + 4;
}

/** HMAC-SHA256 of the 1536-byte packet without the 32 digest bytes at `offset`. */
export function packetDigest(packet: Buffer, offset: number, key: Buffer): Buffer {
  return createHmac("sha256", key)
    .update(packet.subarray(0, offset))
    .update(packet.subarray(offset + DIGEST_SIZE, HANDSHAKE_SIZE))
    .digest();
}

interface ClientDigest {
  scheme: DigestScheme;
  offset: number;
  digest: Buffer;
}

/** Finds a valid client digest in C1 at either offset scheme; null for a plain handshake. */
export function findClientDigest(c1: Buffer): ClientDigest | null {
  if (c1.length !== HANDSHAKE_SIZE || c1.readUInt32BE(4) === 0) return null;
  for (const scheme of [0, 1] as const) {
    const offset = digestOffset(c1, scheme);
    const expected = packetDigest(c1, offset, FLASH_PLAYER_KEY_SHORT);
    const digest = c1.subarray(offset, offset + DIGEST_SIZE);
    if (expected.equals(digest)) return { scheme, offset, digest: Buffer.from(digest) };
  }
  return null;
}

export interface HandshakeReply {
  /** S0 + S1 + S2, 3073 bytes, to send at once. */
  bytes: Buffer;
  /** The client digest when the digest form was answered. */
  clientDigest: ClientDigest | null;
}

interface HandshakeOptions {
  /** Server uptime in ms written to S1 (low 32 bits). */
  time?: number;
  random?: (size: number) => Buffer;
}

/** Builds the server's reply to C0+C1 (1537 bytes). */
export function createHandshakeReply(c0c1: Buffer, options: HandshakeOptions = {}): Result<HandshakeReply, HandshakeError> {
  if (c0c1.length !== 1 + HANDSHAKE_SIZE) {
    return fail(new HandshakeError("bad-length", `C0+C1 must be ${1 + HANDSHAKE_SIZE} bytes, got ${c0c1.length}`));
  }
  const version = c0c1[0]!;
  if (version !== RTMP_VERSION) {
    // 6 and 8 are encrypted RTMPE, which no publisher we serve needs.
    return fail(new HandshakeError("bad-version", `unsupported RTMP version ${version}`));
  }
  const c1 = c0c1.subarray(1);
  const random = options.random ?? randomBytes;
  const time = (options.time ?? 0) >>> 0;

  const s1 = Buffer.alloc(HANDSHAKE_SIZE);
  s1.writeUInt32BE(time, 0);
  random(HANDSHAKE_SIZE - 8).copy(s1, 8);

  const clientDigest = findClientDigest(c1);
  let s2: Buffer;
  if (clientDigest) {
    SERVER_VERSION.copy(s1, 4);
    const offset = digestOffset(s1, clientDigest.scheme);
    packetDigest(s1, offset, FLASH_MEDIA_SERVER_KEY_SHORT).copy(s1, offset);

    s2 = Buffer.from(random(HANDSHAKE_SIZE));
    const key = createHmac("sha256", FLASH_MEDIA_SERVER_KEY).update(clientDigest.digest).digest();
    createHmac("sha256", key)
      .update(s2.subarray(0, HANDSHAKE_SIZE - DIGEST_SIZE))
      .digest()
      .copy(s2, HANDSHAKE_SIZE - DIGEST_SIZE);
  } else {
    // Plain form: S2 echoes C1, which is what clients compare against.
    s2 = Buffer.from(c1);
  }
  return ok({ bytes: Buffer.concat([Buffer.of(RTMP_VERSION), s1, s2]), clientDigest });
}

// RTMP handshake: any C0+C1 gets a 3073-byte reply or a typed HandshakeError; the digest form is answered
// only for a valid client digest, and the plain form echoes C1.
import type * as Handshake from "../../../ingest/src/rtmp/handshake.js";
import type * as Errors from "../../../ingest/src/rtmp/errors.js";
import { check, importFrom, type FuzzTarget } from "../engine/target.js";
import { rtmpPublish } from "./seeds.js";

export async function load(root: string): Promise<FuzzTarget> {
  const hs = await importFrom<typeof Handshake>(root, "rtmp/handshake");
  const { HandshakeError } = await importFrom<typeof Errors>(root, "rtmp/errors");
  const fixedRandom = (n: number): Buffer => Buffer.alloc(n, 0x5a);
  const publish = rtmpPublish();
  const plain = Buffer.alloc(1 + hs.HANDSHAKE_SIZE);
  plain[0] = hs.RTMP_VERSION;
  return {
    files: ["rtmp/handshake.ts"],
    seeds: [publish.subarray(0, 1 + hs.HANDSHAKE_SIZE), plain, Buffer.of(3), Buffer.of(6, 0, 0, 0, 0)],
    dictionary: [Buffer.of(3), Buffer.of(6), Buffer.of(0x80, 0, 7, 2), hs.FLASH_PLAYER_KEY_SHORT],
    maxLength: 1 + hs.HANDSHAKE_SIZE + 16,
    run(data) {
      const reply = hs.createHandshakeReply(data, { time: 1, random: fixedRandom });
      if (!reply.ok) {
        check(reply.error instanceof HandshakeError, "handshake failure is not a HandshakeError");
        check(data.length !== 1 + hs.HANDSHAKE_SIZE || data[0] !== hs.RTMP_VERSION, `valid-looking C0+C1 refused: ${reply.error.message}`);
        return;
      }
      check(data.length === 1 + hs.HANDSHAKE_SIZE && data[0] === hs.RTMP_VERSION, "accepted a C0+C1 of the wrong size or version");
      const bytes = reply.value.bytes;
      check(bytes.length === 1 + 2 * hs.HANDSHAKE_SIZE && bytes[0] === hs.RTMP_VERSION, "reply is not S0+S1+S2");
      const c1 = data.subarray(1);
      if (reply.value.clientDigest) {
        const { offset, digest } = reply.value.clientDigest;
        check(offset >= 12 && offset + 32 <= hs.HANDSHAKE_SIZE, `digest offset ${offset} out of range`);
        check(hs.packetDigest(c1, offset, hs.FLASH_PLAYER_KEY_SHORT).equals(digest), "client digest does not verify");
        const s1 = bytes.subarray(1, 1 + hs.HANDSHAKE_SIZE);
        const s1Offset = hs.digestOffset(s1, reply.value.clientDigest.scheme);
        check(
          hs.packetDigest(s1, s1Offset, hs.FLASH_MEDIA_SERVER_KEY_SHORT).equals(s1.subarray(s1Offset, s1Offset + 32)),
          "S1 digest does not verify",
        );
      } else {
        check(bytes.subarray(1 + hs.HANDSHAKE_SIZE).equals(c1), "plain S2 does not echo C1");
      }
    },
  };
}

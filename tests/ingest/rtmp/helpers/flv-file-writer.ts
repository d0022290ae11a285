// Records one publish to an FLV file (used by tests to ffprobe what the receiver produced).
import { createWriteStream } from "node:fs";
import type { FlvTag } from "../../../../ingest/src/rtmp/flv.js";
import type { RtmpPublish } from "../../../../ingest/src/rtmp/publish.js";

export interface FlvFileSummary {
  path: string;
  tags: number;
  bytes: number;
  /** Why the publish ended. */
  reason: string;
}

/** Writes the publish's tags to `path` until it closes; resolves once the file is complete. */
export function writeFlvFile(publish: RtmpPublish, path: string): Promise<FlvFileSummary> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(path);
    let tags = 0;
    let bytes = 0;
    const write = (buf: Buffer): void => {
      bytes += buf.length;
      out.write(buf);
    };
    write(encodeFlvHeader({ audio: true, video: true }));
    const onTag = (tag: Parameters<typeof encodeFlvTag>[0]): void => {
      tags++;
      write(encodeFlvTag(tag));
    };
    publish.on("tag", onTag);
    publish.once("close", (reason) => {
      publish.off("tag", onTag);
      out.end(() => resolve({ path, tags, bytes, reason }));
    });
    out.once("error", reject);
  });
}

const TAG_TYPE_ID: Record<FlvTag["type"], number> = { audio: 8, video: 9, script: 18 };

/** The 9-byte FLV header followed by PreviousTagSize0 (4 zero bytes). */
function encodeFlvHeader(streams: { audio: boolean; video: boolean }): Buffer {
  const b = Buffer.alloc(13);
  b.write("FLV", 0, "ascii");
  b[3] = 1;
  b[4] = (streams.audio ? 0x04 : 0) | (streams.video ? 0x01 : 0);
  b.writeUInt32BE(9, 5);
  return b;
}

/** One tag: 11-byte tag header, body, then its PreviousTagSize. */
function encodeFlvTag(tag: FlvTag): Buffer {
  const size = tag.data.length;
  const ts = tag.timestamp >>> 0;
  const b = Buffer.alloc(11 + size + 4);
  b[0] = TAG_TYPE_ID[tag.type];
  b.writeUIntBE(size, 1, 3);
  b.writeUIntBE(ts & 0xffffff, 4, 3);
  b[7] = ts >>> 24;
  tag.data.copy(b, 11);
  b.writeUInt32BE(11 + size, 11 + size);
  return b;
}

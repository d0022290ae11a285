// Records one publish to an FLV file (used by tests to ffprobe what the receiver produced).
import { createWriteStream } from "node:fs";
import { encodeFlvHeader, encodeFlvTag } from "../../../../ingest/src/media/flv-writer.js";
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

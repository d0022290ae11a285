import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { filterInitSegments, InitSegmentFilter, sameBytes, splitInitSegment } from "../../player/src/init-segment-dedupe.js";

/** Top-level boxes of a real fragmented MP4 written by ffmpeg (what VHS gets from an LL-HLS ingest). */
const boxes: { type: string; bytes: Uint8Array<ArrayBuffer> }[] = [];

const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
};
const box = (type: string) => boxes.find((b) => b.type === type)!.bytes;
const all = (type: string) => boxes.filter((b) => b.type === type).map((b) => b.bytes);

beforeAll(async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "player-fmp4-"));
  try {
    const file = path.join(dir, "out.mp4");
    // prettier-ignore
    await promisify(execFile)("ffmpeg", [
      "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=30",
      "-f", "lavfi", "-i", "sine=sample_rate=48000", "-t", "1",
      "-c:v", "libx264", "-preset", "ultrafast", "-g", "15", "-pix_fmt", "yuv420p", "-c:a", "aac",
      "-f", "mp4", "-movflags", "+frag_keyframe+empty_moov+default_base_moof", "-frag_duration", "200000", file,
    ]);
    const bytes = new Uint8Array(await readFile(file));
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let offset = 0; offset < bytes.byteLength; ) {
      const size = view.getUint32(offset);
      const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
      boxes.push({ type, bytes: bytes.slice(offset, offset + size) });
      offset += size;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

describe("splitInitSegment", () => {
  it("separates ftyp+moov from the moof+mdat that VHS appends after it", () => {
    expect(boxes.map((b) => b.type).slice(0, 4)).toEqual(["ftyp", "moov", "moof", "mdat"]);
    const init = concat(box("ftyp"), box("moov"));
    const media = concat(all("moof")[1]!, all("mdat")[1]!);
    const split = splitInitSegment(concat(init, media))!;
    expect(sameBytes(split.init, init)).toBe(true);
    expect(sameBytes(split.media, media)).toBe(true);
  });

  it("returns null for media without an init segment", () => {
    expect(splitInitSegment(concat(all("moof")[0]!, all("mdat")[0]!))).toBeNull();
    expect(splitInitSegment(box("ftyp"))).toBeNull();
    expect(splitInitSegment(new Uint8Array(0))).toBeNull();
  });

  it("accepts an init segment alone (nothing left to append)", () => {
    const split = splitInitSegment(concat(box("ftyp"), box("moov")))!;
    expect(split.media.byteLength).toBe(0);
  });

  it("returns null for an init segment cut at any byte", () => {
    const init = concat(box("ftyp"), box("moov"));
    for (let cut = 0; cut < init.byteLength; cut++) {
      expect(splitInitSegment(init.slice(0, cut))).toBeNull();
    }
  });

  it("reads 64-bit and to-the-end box sizes", () => {
    const moov = box("moov");
    const large = new Uint8Array(moov.byteLength + 8);
    const view = new DataView(large.buffer);
    view.setUint32(0, 1);
    large.set(moov.subarray(4, 8), 4);
    view.setBigUint64(8, BigInt(moov.byteLength + 8));
    large.set(moov.subarray(8), 16);
    const media = concat(all("moof")[0]!, all("mdat")[0]!);
    expect(splitInitSegment(concat(box("ftyp"), large, media))!.init.byteLength).toBe(box("ftyp").byteLength + large.byteLength);

    const toEnd = moov.slice();
    new DataView(toEnd.buffer).setUint32(0, 0);
    expect(splitInitSegment(concat(box("ftyp"), toEnd))!.media.byteLength).toBe(0);
  });
});

describe("InitSegmentFilter", () => {
  it("lets the first init through, cuts identical ones, and lets a changed one through", () => {
    const init = concat(box("ftyp"), box("moov"));
    const [moof0, moof1, moof2] = all("moof");
    const [mdat0, mdat1, mdat2] = all("mdat");
    const filter = new InitSegmentFilter();

    const first = concat(init, moof0!, mdat0!);
    expect(filter.filter(first)).toBe(first);
    const plain = concat(moof1!, mdat1!);
    expect(filter.filter(plain)).toBe(plain);
    const again = filter.filter(concat(init, moof2!, mdat2!)) as Uint8Array;
    expect(sameBytes(again, concat(moof2!, mdat2!))).toBe(true);

    const changedMoov = box("moov").slice();
    changedMoov[changedMoov.byteLength - 1]! ^= 1;
    const changed = concat(box("ftyp"), changedMoov, moof2!, mdat2!);
    expect(filter.filter(changed)).toBe(changed);
    // an ArrayBuffer (not a view) is read the same way
    expect((filter.filter(changed.buffer) as Uint8Array).byteLength).toBe(moof2!.byteLength + mdat2!.byteLength);

    filter.reset();
    expect(filter.filter(changed)).toBe(changed);
  });
});

describe("filterInitSegments", () => {
  class FakeSourceBuffer {
    appended: number[] = [];
    failNext = false;
    appendBuffer(data: BufferSource): void {
      if (this.failNext) {
        this.failNext = false;
        throw new Error("QuotaExceededError");
      }
      this.appended.push((data as ArrayBufferView).byteLength ?? (data as ArrayBuffer).byteLength);
    }
    changeType(_type: string): void {}
  }
  class FakeMediaSource {
    buffers: FakeSourceBuffer[] = [];
    addSourceBuffer(): FakeSourceBuffer {
      const buffer = new FakeSourceBuffer();
      this.buffers.push(buffer);
      return buffer;
    }
  }

  it("patches only this MediaSource's buffers and recovers from a failed append", () => {
    const init = concat(box("ftyp"), box("moov"));
    const media = concat(all("moof")[0]!, all("mdat")[0]!);
    const withInit = concat(init, media);
    const mediaSource = new FakeMediaSource();
    filterInitSegments(mediaSource as unknown as MediaSource);
    filterInitSegments(mediaSource as unknown as MediaSource); // idempotent
    const buffer = (mediaSource as unknown as MediaSource).addSourceBuffer("video/mp4") as unknown as FakeSourceBuffer;

    buffer.appendBuffer(withInit);
    buffer.appendBuffer(withInit);
    expect(buffer.appended).toEqual([withInit.byteLength, media.byteLength]);

    buffer.changeType("video/mp4");
    buffer.appendBuffer(withInit);
    buffer.failNext = true;
    expect(() => buffer.appendBuffer(withInit)).toThrow();
    buffer.appendBuffer(withInit); // the failed append may have lost the init: it goes through again
    expect(buffer.appended).toEqual([withInit.byteLength, media.byteLength, withInit.byteLength, withInit.byteLength]);

    expect(Object.hasOwn(FakeSourceBuffer.prototype, "appendBuffer")).toBe(true);
    expect(new FakeSourceBuffer().appendBuffer).toBe(FakeSourceBuffer.prototype.appendBuffer);
    expect(new FakeMediaSource().addSourceBuffer).toBe(FakeMediaSource.prototype.addSourceBuffer);
  });
});

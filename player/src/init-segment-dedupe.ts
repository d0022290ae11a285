/**
 * VHS prepends the init segment (ftyp+moov) to a media append after every live playlist refresh
 * (it compares playlist objects, and each refresh makes a new one). An init segment makes MSE wait
 * for a random access point, so Chromium drops every frame until the next keyframe: the picture
 * freezes for seconds when a viewer joins between keyframes. Appending an identical init again is
 * never needed, so we cut it off before the bytes reach the SourceBuffer.
 */

/** Top-level boxes that begin a media segment; everything before them belongs to the init segment. */
const MEDIA_BOXES = new Set(["moof", "styp", "sidx", "emsg", "prft", "mdat"]);

export interface InitSplit {
  init: Uint8Array<ArrayBuffer>;
  media: Uint8Array<ArrayBuffer>;
}

function boxType(bytes: Uint8Array, offset: number): string {
  return String.fromCharCode(bytes[offset + 4]!, bytes[offset + 5]!, bytes[offset + 6]!, bytes[offset + 7]!);
}

/** Size of the box at `offset`, or null when its header is incomplete or it overruns the buffer. */
function boxSize(bytes: Uint8Array, offset: number): number | null {
  if (offset + 8 > bytes.byteLength) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let size = view.getUint32(offset);
  if (size === 1) {
    if (offset + 16 > bytes.byteLength) return null;
    size = Number(view.getBigUint64(offset + 8));
    if (size < 16) return null;
  } else if (size === 0) {
    size = bytes.byteLength - offset;
  } else if (size < 8) {
    return null;
  }
  return offset + size <= bytes.byteLength ? size : null;
}

/**
 * Splits an append into a leading init segment (top-level boxes up to the first media box, one of
 * them a moov) and the rest. Null when the bytes do not start with a complete init segment.
 */
export function splitInitSegment(bytes: Uint8Array<ArrayBuffer>): InitSplit | null {
  let offset = 0;
  let sawMoov = false;
  while (offset < bytes.byteLength) {
    const size = boxSize(bytes, offset);
    if (size === null) return null;
    const type = boxType(bytes, offset);
    if (MEDIA_BOXES.has(type)) break;
    if (type === "moov") sawMoov = true;
    offset += size;
  }
  if (!sawMoov) return null;
  return { init: bytes.subarray(0, offset), media: bytes.subarray(offset) };
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

function asBytes(data: BufferSource): Uint8Array<ArrayBuffer> {
  if (data instanceof Uint8Array) return data as Uint8Array<ArrayBuffer>;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

/** Decides, per SourceBuffer, what actually gets appended. */
export class InitSegmentFilter {
  private lastInit: Uint8Array<ArrayBuffer> | null = null;

  /** The bytes to append in place of `data` (the same object when nothing is cut). */
  filter(data: BufferSource): BufferSource {
    const split = splitInitSegment(asBytes(data));
    if (!split) return data;
    if (this.lastInit && sameBytes(split.init, this.lastInit)) return split.media;
    this.lastInit = split.init.slice();
    return data;
  }

  /** After changeType the next init segment must reach the buffer. */
  reset(): void {
    this.lastInit = null;
  }
}

const patched = new WeakSet<object>();

/**
 * Filters appends of every SourceBuffer this MediaSource creates. Patches this one instance only
 * (never the prototypes), so other media on the page are untouched.
 */
export function filterInitSegments(mediaSource: MediaSource): void {
  if (patched.has(mediaSource)) return;
  patched.add(mediaSource);
  const addSourceBuffer = mediaSource.addSourceBuffer;
  mediaSource.addSourceBuffer = function (this: MediaSource, type: string): SourceBuffer {
    const sourceBuffer = addSourceBuffer.call(this, type);
    const filter = new InitSegmentFilter();
    const appendBuffer = sourceBuffer.appendBuffer;
    const changeType = sourceBuffer.changeType;
    sourceBuffer.appendBuffer = function (this: SourceBuffer, data: BufferSource): void {
      const bytes = filter.filter(data);
      try {
        appendBuffer.call(this, bytes);
      } catch (error) {
        filter.reset(); // the init may not have reached the buffer: let the next one through
        throw error;
      }
    };
    if (typeof changeType === "function") {
      sourceBuffer.changeType = function (this: SourceBuffer, newType: string): void {
        filter.reset();
        changeType.call(this, newType);
      };
    }
    return sourceBuffer;
  };
}

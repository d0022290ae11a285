// Bounded walking of nested ISO BMFF boxes. Each box body is its own subarray, so a read past a
// box's end throws (RangeError) and `withMp4Errors` turns that into a typed Mp4FormatError.
import { Mp4FormatError, readBoxHeader } from "./mp4-box-splitter.js";

interface ChildBox {
  type: string;
  /** The box body (after the header), exactly as long as the box claims. */
  body: Buffer;
}

/** The child boxes laid out back to back in `container`; a size past the container's end is an error. */
export function childBoxes(container: Buffer): ChildBox[] {
  const boxes: ChildBox[] = [];
  let offset = 0;
  while (offset < container.length) {
    const header = readBoxHeader(container, offset, container.length);
    if (!header) throw new Mp4FormatError("truncated", `${container.length - offset} stray bytes after the last box`);
    if (offset + header.size > container.length) {
      throw new Mp4FormatError("truncated", `box '${header.type}' (${header.size} bytes) overruns its container`);
    }
    boxes.push({ type: header.type, body: container.subarray(offset + header.headerSize, offset + header.size) });
    offset += header.size;
  }
  return boxes;
}

export function findBox(container: Buffer, type: string): ChildBox | undefined {
  return childBoxes(container).find((b) => b.type === type);
}

export function requireBox(container: Buffer, type: string, where: string): ChildBox {
  const box = findBox(container, type);
  if (!box) throw new Mp4FormatError("malformed", `'${type}' box missing in ${where}`);
  return box;
}

/** Follows a path of nested boxes, e.g. ["mdia", "minf", "stbl", "stsd"]. */
export function requirePath(container: Buffer, path: string[], where: string): ChildBox {
  let box: ChildBox = { type: where, body: container };
  for (const type of path) box = requireBox(box.body, type, `${where}/${box.type}`);
  return box;
}

/** Runs a parser, turning out-of-range reads into Mp4FormatError("truncated"). */
export function withMp4Errors<T>(what: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof Mp4FormatError) throw err;
    if (err instanceof RangeError) throw new Mp4FormatError("truncated", `${what}: read past the end of a box`);
    throw err;
  }
}

/** Reads a 64-bit unsigned value that must fit a JS number without loss. */
export function readSafeUint64(buf: Buffer, offset: number, what: string): number {
  const value = buf.readBigUInt64BE(offset);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new Mp4FormatError("malformed", `${what} ${value} is too large`);
  return Number(value);
}

// Raw yuv420p frames whose top band encodes the wall-clock time (ms) as 64 black/white 40x40 blocks:
// 48 bits of Date.now() then a CRC-16 check. The browser-side decoder is page/latency-probe.js
// (plain JS so it runs in the page unchanged); the layout constants below must match it.

export const FRAME_WIDTH = 640;
export const FRAME_HEIGHT = 360;
export const FRAME_BYTES = (FRAME_WIDTH * FRAME_HEIGHT * 3) / 2;
const COLS = 16;
const ROWS = 4;
const BLOCK = 40;
const BLACK = 16;
const WHITE = 235;
const BAND_HEIGHT = ROWS * BLOCK;

/** CRC-16/CCITT-FALSE over the 6 big-endian bytes of a 48-bit value. */
export function crc16(value: number): number {
  let crc = 0xffff;
  for (let k = 5; k >= 0; k--) {
    crc ^= (Math.floor(value / 2 ** (8 * k)) & 0xff) << 8;
    for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The 64 bits (MSB first) drawn for a clock value. */
export function clockBits(ms: number): number[] {
  const bits: number[] = [];
  for (let i = 47; i >= 0; i--) bits.push(Math.floor(ms / 2 ** i) % 2);
  const crc = crc16(ms);
  for (let i = 15; i >= 0; i--) bits.push((crc >> i) & 1);
  return bits;
}

/** Allocates a frame with neutral chroma. */
export function newFrame(): Buffer {
  const buf = Buffer.alloc(FRAME_BYTES, BLACK);
  buf.fill(128, FRAME_WIDTH * FRAME_HEIGHT);
  return buf;
}

/**
 * Draws the clock band and, below it, moving texture so the encoder has real work
 * (a static picture would give unrealistically small parts).
 */
export function drawClockFrame(buf: Buffer, ms: number, frameNo: number): void {
  const bits = clockBits(ms);
  for (let row = 0; row < ROWS; row++) {
    for (let y = row * BLOCK; y < (row + 1) * BLOCK; y++) {
      const line = y * FRAME_WIDTH;
      for (let col = 0; col < COLS; col++) {
        const v = bits[row * COLS + col] ? WHITE : BLACK;
        buf.fill(v, line + col * BLOCK, line + (col + 1) * BLOCK);
      }
    }
  }
  let seed = (frameNo * 2654435761) >>> 0 || 1;
  const shift = (frameNo * 6) % FRAME_WIDTH;
  for (let by = BAND_HEIGHT; by < FRAME_HEIGHT; by += 8) {
    for (let bx = 0; bx < FRAME_WIDTH; bx += 8) {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      seed >>>= 0;
      const stripe = ((bx + by + shift) >> 5) & 1 ? 170 : 70;
      const v = stripe + (seed & 31) - 16;
      for (let y = by; y < by + 8; y++) buf.fill(v, y * FRAME_WIDTH + bx, y * FRAME_WIDTH + bx + 8);
    }
  }
}

// Splits a byte stream (ffmpeg's stderr) into text lines with a cap on line length, so a process
// that never prints a newline cannot grow memory. Hand-written: node:readline has no length limit.
export class BoundedLineSplitter {
  private partial = "";
  private truncated = false;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLineChars = 2_000,
  ) {}

  push(chunk: Buffer | string): void {
    const parts = chunk.toString().split(/\r\n|\r|\n/);
    for (let i = 0; i < parts.length; i++) {
      this.append(parts[i]!);
      if (i < parts.length - 1) this.flush();
    }
  }

  /** Emits the last unterminated line, if any. */
  end(): void {
    this.flush();
  }

  private append(text: string): void {
    const room = this.maxLineChars - this.partial.length;
    if (text.length > room) this.truncated = true;
    if (room > 0) this.partial += text.slice(0, room);
  }

  private flush(): void {
    const line = this.truncated ? `${this.partial}…` : this.partial;
    this.partial = "";
    this.truncated = false;
    if (line.trim()) this.onLine(line);
  }
}

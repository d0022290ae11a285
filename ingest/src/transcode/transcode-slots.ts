// The --max-transcodes cap across all streams: a transcoder runs only while it holds a slot; the others wait
// in order and start when one is released.

export class TranscodeSlots {
  private readonly holders = new Set<object>();
  private readonly waiting = new Map<object, () => void>();

  constructor(readonly max: number) {}

  /** True when `owner` holds a slot now; otherwise `granted` is called once one frees up (unless released first). */
  acquire(owner: object, granted: () => void): boolean {
    if (this.holders.has(owner)) return true;
    if (this.holders.size < this.max) {
      this.holders.add(owner);
      return true;
    }
    this.waiting.set(owner, granted);
    return false;
  }

  /** Gives the slot back (or leaves the queue); the longest waiting owner gets it. */
  release(owner: object): void {
    this.waiting.delete(owner);
    if (!this.holders.delete(owner)) return;
    const next = this.waiting.entries().next();
    if (next.done) return;
    const [nextOwner, granted] = next.value;
    this.waiting.delete(nextOwner);
    this.holders.add(nextOwner);
    granted();
  }

  get used(): number {
    return this.holders.size;
  }
}

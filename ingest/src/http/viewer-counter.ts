export interface ViewerCounterOptions {
  /** A player counts as watching for this long after its last heartbeat. */
  windowMs?: number;
  /** Most ids remembered per stream; past it the least recently seen is forgotten. */
  maxIdsPerStream?: number;
  now?: () => number;
}

/**
 * Counts distinct players per stream from anonymous heartbeats (a random id the player makes up),
 * without cookies. Memory is bounded by maxIdsPerStream for each stream the caller lets in.
 */
export class ViewerCounter {
  readonly windowMs: number;
  readonly maxIdsPerStream: number;
  private readonly now: () => number;
  // Per stream: id -> last heartbeat time, kept in heartbeat order (Map preserves insertion order).
  private readonly streams = new Map<string, Map<string, number>>();

  constructor(options: ViewerCounterOptions = {}) {
    this.windowMs = options.windowMs ?? 30_000;
    this.maxIdsPerStream = options.maxIdsPerStream ?? 10_000;
    this.now = options.now ?? (() => performance.now());
  }

  heartbeat(stream: string, id: string): void {
    const now = this.now();
    let ids = this.streams.get(stream);
    if (!ids) {
      ids = new Map();
      this.streams.set(stream, ids);
    }
    ids.delete(id);
    ids.set(id, now);
    this.expire(stream, ids, now);
    if (ids.size > this.maxIdsPerStream) ids.delete(ids.keys().next().value!);
  }

  count(stream: string): number {
    const ids = this.streams.get(stream);
    if (!ids) return 0;
    this.expire(stream, ids, this.now());
    return ids.size;
  }

  /** Streams with at least one current viewer. */
  streamNames(): string[] {
    return [...this.streams.keys()].filter((stream) => this.count(stream) > 0);
  }

  private expire(stream: string, ids: Map<string, number>, now: number): void {
    for (const [id, seen] of ids) {
      if (now - seen < this.windowMs) break;
      ids.delete(id);
    }
    if (ids.size === 0) this.streams.delete(stream);
  }
}

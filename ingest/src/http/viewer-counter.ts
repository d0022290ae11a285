interface ViewerCounterOptions {
  /** A player counts as watching for this long after its last heartbeat. */
  windowMs?: number;
  /** Most ids remembered per stream (memory bound). */
  maxIdsPerStream?: number;
  /** Most ids one address (IPv4, IPv6 /64) adds to a stream: a household or a venue behind one address fits. */
  maxIdsPerAddress?: number;
  now?: () => number;
}

interface Seen {
  at: number;
  address: string;
}

interface StreamViewers {
  /** id -> last heartbeat, in heartbeat order (Map keeps insertion order). */
  ids: Map<string, Seen>;
  /** address -> its ids, also in heartbeat order. */
  byAddress: Map<string, Map<string, number>>;
}

/**
 * Counts distinct players per stream from anonymous heartbeats (a random id the player makes up),
 * without cookies. Ids are free to invent, so what one address can add is bounded: past
 * maxIdsPerAddress an address's newest id replaces its own oldest, and when a stream is full the
 * address holding the most ids gives one up. A stranger inventing ids therefore adds at most
 * maxIdsPerAddress per address and never pushes out viewers of other addresses.
 */
export class ViewerCounter {
  readonly windowMs: number;
  readonly maxIdsPerStream: number;
  readonly maxIdsPerAddress: number;
  private readonly now: () => number;
  private readonly streams = new Map<string, StreamViewers>();

  constructor(options: ViewerCounterOptions = {}) {
    this.windowMs = options.windowMs ?? 30_000;
    this.maxIdsPerStream = options.maxIdsPerStream ?? 10_000;
    this.maxIdsPerAddress = options.maxIdsPerAddress ?? 100;
    this.now = options.now ?? (() => performance.now());
  }

  /** `address`: who sent it, as clientAddress() keys it. */
  heartbeat(stream: string, id: string, address: string): void {
    const now = this.now();
    let viewers = this.streams.get(stream);
    if (!viewers) {
      viewers = { ids: new Map(), byAddress: new Map() };
      this.streams.set(stream, viewers);
    }
    this.expire(viewers, now);
    const known = viewers.ids.get(id);
    if (known) this.drop(viewers, id, known.address);
    viewers.ids.set(id, { at: now, address });
    let own = viewers.byAddress.get(address);
    if (!own) {
      own = new Map();
      viewers.byAddress.set(address, own);
    }
    own.set(id, now);
    if (own.size > this.maxIdsPerAddress) this.drop(viewers, own.keys().next().value!, address);
    if (viewers.ids.size > this.maxIdsPerStream) {
      // Ties go against the sender, so a full stream never loses another address's viewer to a newcomer.
      let largest: [string, Map<string, number>] = [address, own];
      for (const entry of viewers.byAddress) if (entry[1].size > largest[1].size) largest = entry;
      this.drop(viewers, largest[1].keys().next().value!, largest[0]);
    }
  }

  count(stream: string): number {
    const viewers = this.streams.get(stream);
    if (!viewers) return 0;
    this.expire(viewers, this.now());
    if (viewers.ids.size === 0) this.streams.delete(stream);
    return viewers.ids.size;
  }

  /** Streams with at least one current viewer. */
  streamNames(): string[] {
    return [...this.streams.keys()].filter((stream) => this.count(stream) > 0);
  }

  private drop(viewers: StreamViewers, id: string, address: string): void {
    viewers.ids.delete(id);
    const own = viewers.byAddress.get(address);
    own?.delete(id);
    if (own?.size === 0) viewers.byAddress.delete(address);
  }

  private expire(viewers: StreamViewers, now: number): void {
    for (const [id, seen] of viewers.ids) {
      if (now - seen.at < this.windowMs) break;
      this.drop(viewers, id, seen.address);
    }
  }
}

// One publisher per stream name, for every ingest protocol. A newcomer for a stream with a publisher
// waits until that one would be silent for `takeoverMs`: if media arrived meanwhile the current one is
// healthy and the newcomer is refused; if not (OBS behind a dropped link), the old one is closed and
// the newcomer takes over. Either way the answer comes within `takeoverMs`.
import { performance } from "node:perf_hooks";
import type { Logger } from "pino";
import type { ClaimResult, PublishSource } from "./publish-source.js";

export class PublisherSlots {
  private readonly active = new Map<string, PublishSource>();

  constructor(
    private readonly takeoverMs: number,
    private readonly log: Logger,
  ) {}

  /** The accepted publisher of a stream, while it is open. */
  publisherOf(stream: string): PublishSource | undefined {
    return this.active.get(stream);
  }

  /**
   * Decides on `source`; once its stream's slot is free, `admit` (the registry attaching it) has the last
   * word. `wanted()` tells whether the publisher is still there after a wait.
   */
  async claim(source: PublishSource, wanted: () => boolean, admit: (source: PublishSource) => "accepted" | "busy"): Promise<ClaimResult> {
    for (;;) {
      const current = this.active.get(source.stream);
      if (!current || current.closed) break;
      const silentMs = performance.now() - current.lastMediaAt;
      if (silentMs > this.takeoverMs) {
        this.log.info(
          { stream: source.stream, old: current.id, new: source.id, silentMs: Math.round(silentMs) },
          "stale publisher taken over",
        );
        current.close("taken over by a new publisher");
        break;
      }
      const seen = current.lastMediaAt;
      await new Promise((resolve) => setTimeout(resolve, this.takeoverMs - silentMs + 1).unref());
      if (!wanted()) return "withdrawn";
      if (this.active.get(source.stream) === current && !current.closed && current.lastMediaAt !== seen) {
        return "already-publishing";
      }
    }
    let verdict: "accepted" | "busy";
    try {
      verdict = admit(source);
    } catch (err) {
      this.log.error({ err, stream: source.stream }, "attaching the publish threw; refusing it");
      return "busy";
    }
    if (verdict !== "accepted") return "busy";
    this.active.set(source.stream, source);
    source.once("close", () => {
      if (this.active.get(source.stream) === source) this.active.delete(source.stream);
    });
    return "accepted";
  }
}

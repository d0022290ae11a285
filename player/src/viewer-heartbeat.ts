/**
 * Tells the ingest this page is watching: POST {"id"} every interval while active (playing and
 * visible). The id is random per page load; cookies go only to a members-only stream, whose
 * heartbeats the ingest accepts from signed-in viewers only.
 */

function randomId(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

let pageViewerId: string | null = null;

export function viewerId(): string {
  pageViewerId ??= randomId();
  return pageViewerId;
}

export class ViewerHeartbeat {
  private active = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private request: AbortController | null = null;
  private lastSentAt = -Infinity;
  private disposed = false;
  /** Send the session cookie (members-only stream). */
  withCredentials = false;

  constructor(
    private readonly url: string,
    private readonly id: string,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  setActive(active: boolean): void {
    if (this.disposed || active === this.active) return;
    this.active = active;
    this.clearTimer();
    if (!active) {
      this.request?.abort();
      this.request = null;
      return;
    }
    // a quick pause/play must not send twice within one interval
    this.schedule(Math.max(0, this.lastSentAt + this.intervalMs - this.now()));
  }

  dispose(): void {
    this.setActive(false);
    this.disposed = true;
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      this.send();
      this.schedule(this.intervalMs);
    }, ms);
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private send(): void {
    this.request?.abort();
    const request = new AbortController();
    this.request = request;
    this.lastSentAt = this.now();
    fetch(this.url, {
      method: "POST",
      credentials: this.withCredentials ? "include" : "omit",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: this.id }),
      signal: request.signal,
    })
      .catch(() => undefined) // a missed heartbeat only lowers the count for a moment
      .finally(() => {
        if (this.request === request) this.request = null;
      });
  }
}

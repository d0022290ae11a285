import type { PlayerState, StatusResult, StreamState } from "./types.js";

/** Timers and randomness come from outside so tests drive the machine with a fake clock. */
export interface Scheduler {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** In [0, 1); spreads polls of many viewers apart. */
  random(): number;
}

export interface MachineSnapshot {
  state: PlayerState;
  /** Last count reported by status.json while live, else null. */
  viewers: number | null;
}

/** What the machine asks the outside world to do. */
export interface MachineEffects {
  /** Fetch status.json once and answer with `statusResult(token, result)`. */
  fetchStatus(token: number): void;
  /** Load the playlist and start playback. */
  attach(): void;
  /** Stop all media requests and unload the media. */
  detach(): void;
  /** State or viewer count changed. */
  update(snapshot: MachineSnapshot): void;
}

export interface MachineTimings {
  /** Offline: poll status from min, growing by backoffFactor up to the max (longer when the page is hidden). */
  offlinePollMinMs: number;
  offlinePollMaxVisibleMs: number;
  offlinePollMaxHiddenMs: number;
  /** Ingest unreachable or media error: retry from min up to max. */
  errorRetryMinMs: number;
  errorRetryMaxMs: number;
  backoffFactor: number;
  /** Live and playing: status only for viewers and to notice the end. */
  livePollMs: number;
  /** Starting or reconnecting: poll fast so the picture resumes quickly. */
  fastPollMs: number;
  /** Attached but no media loaded after this long: treat as a media error. */
  startTimeoutMs: number;
  /** Playback waiting this long: ask status at once (performer gone?). */
  stallCheckMs: number;
  /** Still stuck this long after a stall while the stream is live: reload the media. */
  stallRestartMs: number;
}

export const DEFAULT_TIMINGS: Readonly<MachineTimings> = Object.freeze({
  offlinePollMinMs: 2_000,
  offlinePollMaxVisibleMs: 6_000,
  offlinePollMaxHiddenMs: 15_000,
  errorRetryMinMs: 2_000,
  errorRetryMaxMs: 15_000,
  backoffFactor: 1.5,
  livePollMs: 10_000,
  fastPollMs: 2_000,
  startTimeoutMs: 15_000,
  stallCheckMs: 3_000,
  stallRestartMs: 10_000,
});

export function backoffDelay(attempt: number, minMs: number, maxMs: number, factor: number): number {
  return Math.min(maxMs, minMs * factor ** Math.max(0, attempt));
}

type Watchdog = "start" | "stall" | "restart";

/**
 * The player's behaviour as a pure event-driven machine: status results and playback events in,
 * effects (fetch status, attach/detach media, UI updates) out. It owns every timer it starts.
 */
export class ShowStateMachine {
  private state: PlayerState = "loading";
  private viewers: number | null = null;
  /** What status.json said last (null before the first answer). */
  private streamState: StreamState | null = null;
  private attached = false;
  private progressing = false;
  private visible = true;
  private destroyed = false;
  private statusToken = 0;
  private statusPending = false;
  private offlineAttempts = 0;
  /** Failed status requests in a row (reset by any answer). */
  private statusFailures = 0;
  /** Media errors since playback last advanced (a good status answer does not reset it). */
  private mediaFailures = 0;
  private pollTimer: unknown = null;
  private watchdogTimer: unknown = null;
  private watchdog: Watchdog | null = null;
  private readonly timings: MachineTimings;

  constructor(
    private readonly effects: MachineEffects,
    private readonly scheduler: Scheduler,
    timings: Partial<MachineTimings> = {},
  ) {
    this.timings = { ...DEFAULT_TIMINGS, ...timings };
  }

  snapshot(): MachineSnapshot {
    return { state: this.state, viewers: this.viewers };
  }

  /** True while any timer of the machine is pending (tests check that destroy leaves none). */
  hasPendingTimers(): boolean {
    return this.pollTimer !== null || this.watchdogTimer !== null;
  }

  start(): void {
    if (this.destroyed) return;
    this.effects.update(this.snapshot());
    this.requestStatus();
  }

  statusResult(token: number, result: StatusResult): void {
    if (this.destroyed || token !== this.statusToken || !this.statusPending) return;
    this.statusPending = false;
    if (!result.ok) {
      this.onStatusFailure();
      return;
    }
    this.statusFailures = 0;
    this.streamState = result.state;
    switch (result.state) {
      case "live":
        this.onLive(result.viewers);
        break;
      case "reconnecting":
        this.offlineAttempts = 0;
        this.setState("reconnecting");
        this.schedulePoll(this.timings.fastPollMs);
        break;
      case "offline":
      case "ended":
        // after an end, the performer may start again on the same stream: poll like offline
        if (this.state !== result.state) this.offlineAttempts = 0;
        this.detachMedia();
        this.setState(result.state);
        this.schedulePoll(this.offlineDelay());
        this.offlineAttempts += 1;
        break;
    }
  }

  /** The media has data to show (first frame or paused at the live edge). */
  mediaReady(): void {
    if (!this.attached || this.destroyed) return;
    if (this.watchdog === "start") this.clearWatchdog();
    if (this.state === "loading") this.setState("live");
  }

  /** currentTime advanced. */
  mediaProgress(): void {
    if (!this.attached || this.destroyed) return;
    this.progressing = true;
    this.mediaFailures = 0;
    this.clearWatchdog();
    // the buffer keeps playing for a moment after the performer dropped: that is not a comeback
    if (this.state === "reconnecting" && this.streamState !== "live") return;
    if (this.state !== "live") this.setState("live");
  }

  /** Playback is waiting for data (not a user pause). */
  mediaWaiting(): void {
    if (!this.attached || this.destroyed) return;
    this.progressing = false;
    if (this.watchdog === null) this.armWatchdog("stall", this.timings.stallCheckMs);
  }

  /** Fatal media error (playlist or segment failures, decode error). */
  mediaError(): void {
    if (!this.attached || this.destroyed) return;
    this.detachMedia();
    this.setState("error");
    this.mediaFailures += 1;
    this.cancelStatusRequest();
    this.schedulePoll(this.failureDelay(this.mediaFailures));
  }

  /** The playlist ended (EXT-X-ENDLIST played out). */
  mediaEnded(): void {
    if (!this.attached || this.destroyed) return;
    this.detachMedia();
    this.setState("ended");
    this.cancelStatusRequest();
    this.offlineAttempts = 0;
    this.schedulePoll(this.offlineDelay());
    this.offlineAttempts += 1;
  }

  /** Page visibility: a viewer coming back to an idle tab gets a fresh answer at once. */
  setVisible(visible: boolean): void {
    if (this.destroyed || visible === this.visible) return;
    this.visible = visible;
    if (visible && (this.state === "offline" || this.state === "ended")) this.requestStatus();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.cancelStatusRequest();
    this.clearPoll();
    this.clearWatchdog();
  }

  private onLive(viewers: number | null): void {
    this.offlineAttempts = 0;
    const viewersChanged = viewers !== this.viewers;
    this.viewers = viewers;
    const before = this.state;
    if (!this.attached) {
      this.attachMedia();
      this.setState(this.state === "reconnecting" ? "reconnecting" : "loading");
    } else if (this.state === "reconnecting" || this.state === "error") {
      // back (or reachable again): the player resumes by itself, or gets reloaded if it does not
      if (this.progressing) this.setState("live");
      else if (this.watchdog === null) this.armWatchdog("restart", this.timings.stallRestartMs);
    }
    if (viewersChanged && before === this.state) this.effects.update(this.snapshot());
    this.schedulePoll(this.state === "live" ? this.timings.livePollMs : this.timings.fastPollMs);
  }

  private onStatusFailure(): void {
    this.statusFailures += 1;
    // playing media (or a frame kept while the performer reconnects) outranks a missed status answer
    const keepState = this.attached && (this.progressing || this.state === "reconnecting");
    if (!keepState) this.setState("error");
    this.schedulePoll(this.failureDelay(this.statusFailures));
  }

  private requestStatus(): void {
    if (this.destroyed || this.statusPending) return;
    this.clearPoll();
    this.statusPending = true;
    this.statusToken += 1;
    this.effects.fetchStatus(this.statusToken);
  }

  /** Results of a request made before a media error or end are stale: drop them. */
  private cancelStatusRequest(): void {
    this.statusPending = false;
    this.statusToken += 1;
  }

  private attachMedia(): void {
    this.attached = true;
    this.progressing = false;
    this.effects.attach();
    this.armWatchdog("start", this.timings.startTimeoutMs);
  }

  private detachMedia(): void {
    this.clearWatchdog();
    if (!this.attached) return;
    this.attached = false;
    this.progressing = false;
    this.viewers = null;
    this.effects.detach();
  }

  private onWatchdog(kind: Watchdog): void {
    this.watchdogTimer = null;
    this.watchdog = null;
    if (!this.attached) return;
    switch (kind) {
      case "start":
        this.mediaError();
        break;
      case "stall":
        this.requestStatus();
        this.armWatchdog("restart", this.timings.stallRestartMs - this.timings.stallCheckMs);
        break;
      case "restart":
        if (this.streamState === "reconnecting") {
          // the performer is away; the media loader keeps waiting for the playlist to continue
          this.armWatchdog("restart", this.timings.stallRestartMs);
        } else {
          this.detachMedia();
          this.attachMedia();
        }
        break;
    }
  }

  private armWatchdog(kind: Watchdog, ms: number): void {
    this.clearWatchdog();
    this.watchdog = kind;
    this.watchdogTimer = this.scheduler.setTimeout(() => this.onWatchdog(kind), ms);
  }

  private clearWatchdog(): void {
    if (this.watchdogTimer !== null) this.scheduler.clearTimeout(this.watchdogTimer);
    this.watchdogTimer = null;
    this.watchdog = null;
  }

  private schedulePoll(ms: number): void {
    this.clearPoll();
    const jittered = Math.round(ms * (0.9 + 0.2 * this.scheduler.random()));
    this.pollTimer = this.scheduler.setTimeout(() => {
      this.pollTimer = null;
      this.requestStatus();
    }, jittered);
  }

  private clearPoll(): void {
    if (this.pollTimer !== null) this.scheduler.clearTimeout(this.pollTimer);
    this.pollTimer = null;
  }

  private offlineDelay(): number {
    const { offlinePollMinMs, offlinePollMaxVisibleMs, offlinePollMaxHiddenMs, backoffFactor } = this.timings;
    const max = this.visible ? offlinePollMaxVisibleMs : offlinePollMaxHiddenMs;
    return backoffDelay(this.offlineAttempts, offlinePollMinMs, max, backoffFactor);
  }

  private failureDelay(failures: number): number {
    const { errorRetryMinMs, errorRetryMaxMs, backoffFactor } = this.timings;
    return backoffDelay(failures - 1, errorRetryMinMs, errorRetryMaxMs, backoffFactor);
  }

  private setState(state: PlayerState): void {
    if (state === this.state) return;
    this.state = state;
    if (state === "offline" || state === "ended" || state === "error") this.viewers = null;
    this.effects.update(this.snapshot());
  }
}

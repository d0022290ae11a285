import { VideoEngine } from "./engine.js";
import { resolveLabels, safeFormatViewers } from "./labels.js";
import { ShowStateMachine } from "./state-machine.js";
import type { MachineSnapshot } from "./state-machine.js";
import { fetchStatus, streamUrls } from "./status-client.js";
import { ensureStyles } from "./style-injection.js";
import type { MountOptions, PlayerHandle, PlayerState } from "./types.js";
import { ViewerHeartbeat, viewerId } from "./viewer-heartbeat.js";
import { PlayerView } from "./view.js";

const TICK_MS = 500;

function validate(element: unknown, options: unknown): asserts options is MountOptions {
  if (!element || (element as Node).nodeType !== 1) throw new TypeError("LiveShowsPlayer.mount: element must be an HTMLElement");
  const { baseUrl, stream } = (options ?? {}) as Partial<MountOptions>;
  if (typeof baseUrl !== "string" || baseUrl.trim() === "") throw new TypeError("LiveShowsPlayer.mount: baseUrl is required");
  if (typeof stream !== "string" || stream.trim() === "") throw new TypeError("LiveShowsPlayer.mount: stream is required");
}

/** Wires the state machine, the status poller, video.js and the overlay for one mounted player. */
class PlayerController implements PlayerHandle {
  private readonly abort = new AbortController();
  private readonly view: PlayerView;
  private readonly engine: VideoEngine;
  private readonly machine: ShowStateMachine;
  private readonly heartbeat: ViewerHeartbeat;
  private readonly tickTimer: ReturnType<typeof setInterval>;
  private readonly onVisibility = () => this.visibilityChanged();
  private snapshot: MachineSnapshot = { state: "loading", viewers: null };
  private reportedState: PlayerState | null = null;
  private destroyed = false;
  private started = false;

  constructor(
    element: HTMLElement,
    private readonly options: MountOptions,
  ) {
    const doc = element.ownerDocument;
    const urls = streamUrls(options.baseUrl, options.stream, doc.baseURI);
    const labels = resolveLabels(options.labels);
    ensureStyles(doc);

    this.view = new PlayerView(doc, labels, {
      unmute: () => this.engine.unmute(),
      play: () => this.engine.play(),
      goLive: () => this.engine.goLive(),
    });
    element.append(this.view.root);
    this.engine = new VideoEngine(
      this.view.video,
      {
        lowLatency: options.lowLatency !== false,
        autoplay: options.autoplay !== false,
        controlTexts: { Play: labels.play, Unmute: labels.unmute },
      },
      {
        ready: () => this.machine.mediaReady(),
        progress: () => this.machine.mediaProgress(),
        waiting: () => this.machine.mediaWaiting(),
        error: () => this.machine.mediaError(),
        ended: () => this.machine.mediaEnded(),
        changed: () => this.render(),
      },
    );
    this.view.placeOverlayIn(this.engine.element());
    this.heartbeat = new ViewerHeartbeat(urls.viewers, viewerId());

    this.machine = new ShowStateMachine(
      {
        fetchStatus: (token) => {
          fetchStatus(urls.status, this.abort.signal).then(
            (result) => this.machine.statusResult(token, result),
            () => undefined, // aborted by destroy()
          );
        },
        attach: () => this.engine.attach(urls.playlist),
        detach: () => this.engine.detach(),
        update: (snapshot) => {
          this.snapshot = snapshot;
          this.render();
        },
      },
      {
        setTimeout: (callback, ms) => setTimeout(callback, ms),
        clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
        random: () => Math.random(),
      },
    );

    doc.addEventListener("visibilitychange", this.onVisibility);
    this.tickTimer = setInterval(() => this.engine.tick(), TICK_MS);
    this.machine.setVisible(doc.visibilityState !== "hidden");
    this.started = true;
    this.machine.start();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.view.root.ownerDocument.removeEventListener("visibilitychange", this.onVisibility);
    clearInterval(this.tickTimer);
    this.machine.destroy();
    this.abort.abort();
    this.heartbeat.dispose();
    this.engine.dispose();
    this.view.dispose();
  }

  private visibilityChanged(): void {
    const visible = this.view.root.ownerDocument.visibilityState !== "hidden";
    this.machine.setVisible(visible);
    if (visible) this.engine.tick();
    this.render();
  }

  private render(): void {
    if (this.destroyed || !this.started) return;
    const { state, viewers } = this.snapshot;
    const media = this.engine.view();
    const live = state === "live";
    const showViewers = this.options.showViewers !== false && viewers !== null;
    this.view.render({
      state,
      attached: media.attached,
      viewersText: showViewers ? safeFormatViewers(this.options.formatViewers, viewers) : null,
      showUnmute: live && media.muted && media.playing,
      showPlay: live && media.needsPlay,
      showGoLive: live && media.behindLive,
    });
    const visible = this.view.root.ownerDocument.visibilityState !== "hidden";
    this.heartbeat.setActive(live && media.playing && visible);
    if (state !== this.reportedState) {
      this.reportedState = state;
      try {
        this.options.onStateChange?.(state);
      } catch (error) {
        console.error("LiveShowsPlayer: onStateChange threw", error);
      }
    }
  }
}

export function mount(element: HTMLElement, options: MountOptions): PlayerHandle {
  validate(element, options);
  const controller = new PlayerController(element, options);
  return { destroy: () => controller.destroy() };
}

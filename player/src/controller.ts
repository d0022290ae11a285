import { loginHref, probeAccess, type AccessOutcome, type StreamAccess } from "./access-gate.js";
import { VideoEngine } from "./engine.js";
import { resolveLabels, safeFormatViewers } from "./labels.js";
import { ShowStateMachine } from "./state-machine.js";
import type { MachineSnapshot } from "./state-machine.js";
import { fetchReplays, recordingsUrl, type OfferedReplay } from "./replay-offer.js";
import { AUTO, loadQualityChoice, qualityLabel, saveQualityChoice } from "./quality.js";
import { QualityMenu, type QualityMenuModel } from "./quality-menu.js";
import { mountReplay } from "./replay.js";
import { fetchStatus, streamUrls } from "./status-client.js";
import { ensureStyles } from "./style-injection.js";
import type { Labels, MountOptions, PlayerHandle, PlayerState } from "./types.js";
import { ViewerHeartbeat, viewerId } from "./viewer-heartbeat.js";
import { PlayerView } from "./view.js";

const TICK_MS = 500;
/** While a show is over, recordings.json is read again this often (a recording ends shortly after the show). */
const REPLAYS_REFRESH_MS = 30_000;
const REPLAY_STATES: ReadonlySet<PlayerState> = new Set(["offline", "ended"]);

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
  private readonly qualityMenu: QualityMenu;
  private readonly machine: ShowStateMachine;
  private readonly heartbeat: ViewerHeartbeat;
  private readonly tickTimer: ReturnType<typeof setInterval>;
  private readonly onVisibility = () => this.visibilityChanged();
  private snapshot: MachineSnapshot = { state: "loading", viewers: null };
  private reportedState: PlayerState | null = null;
  private destroyed = false;
  private started = false;
  private readonly recordingsUrl: string;
  private offered: OfferedReplay[] = [];
  private replaysFetchedAt = -Infinity;
  private replaysLoading = false;
  private replay: PlayerHandle | null = null;
  private readonly labels: Labels;
  /** The stream's access mode as status.json last said. */
  private access: StreamAccess = "public";
  /** Why a members-only stream is not playing for this viewer (null: nothing in the way). */
  private denial: AccessOutcome | null = null;
  private attachRound = 0;

  constructor(
    element: HTMLElement,
    private readonly options: MountOptions,
  ) {
    const doc = element.ownerDocument;
    const urls = streamUrls(options.baseUrl, options.stream, doc.baseURI);
    this.recordingsUrl = recordingsUrl(options.baseUrl, options.stream, doc.baseURI);
    const labels = resolveLabels(options.labels);
    this.labels = labels;
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
        quality: loadQualityChoice() ?? AUTO,
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
    this.qualityMenu = new QualityMenu(doc, labels, (key) => {
      saveQualityChoice(key);
      this.engine.setQuality(key);
    });
    const controlBar = this.engine.controlBar();
    controlBar?.insertBefore(this.qualityMenu.element, controlBar.querySelector(".vjs-picture-in-picture-control"));
    this.engine.onControlsHidden(() => this.qualityMenu.close(false));
    this.heartbeat = new ViewerHeartbeat(urls.viewers, viewerId());

    this.machine = new ShowStateMachine(
      {
        fetchStatus: (token) => {
          fetchStatus(urls.status, this.abort.signal).then(
            (result) => {
              if (result.ok) this.access = result.access ?? "public";
              this.machine.statusResult(token, result);
            },
            () => undefined, // aborted by destroy()
          );
        },
        attach: () => this.attach(urls.playlist),
        detach: () => {
          this.attachRound++;
          this.engine.detach();
        },
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
    this.stopReplay();
    this.heartbeat.dispose();
    this.qualityMenu.dispose();
    this.engine.dispose();
    this.view.dispose();
  }

  /**
   * Public streams load at once. A members-only stream is asked for first, with the viewer's cookies:
   * not signed in or not in the group, the player says so and offers the link that fixes it (and asks
   * again at the machine's next retry); allowed, every media request carries the session cookie.
   */
  private attach(playlist: string): void {
    const protectedStream = this.access !== "public";
    this.heartbeat.withCredentials = protectedStream;
    if (!protectedStream) {
      this.denial = null;
      this.engine.attach(playlist);
      return;
    }
    const round = ++this.attachRound;
    probeAccess(playlist, this.abort.signal).then(
      (outcome) => {
        if (this.destroyed || round !== this.attachRound) return;
        this.denial = outcome.kind === "login" || outcome.kind === "forbidden" ? outcome : null;
        if (this.denial) this.render();
        else this.engine.attach(playlist, true);
      },
      () => undefined, // aborted by destroy()
    );
  }

  private gate(): { text: string; action: string; href: string } | null {
    const denial = this.denial;
    if (denial?.kind === "login") {
      return {
        text: this.labels.membersOnly,
        action: this.labels.logIn,
        href: loginHref(denial.loginUrl, this.view.root.ownerDocument.location.href),
      };
    }
    if (denial?.kind === "forbidden" && denial.groups.length > 0) {
      const names = denial.groups.map((g) => g.name).join(", ");
      return { text: this.labels.groupOnly.replace("%{group}", names), action: this.labels.seeGroup, href: denial.groups[0]!.url };
    }
    return null;
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
      gate: this.gate(),
    });
    this.qualityMenu.render(live && media.attached ? this.qualityModel() : { choices: [], selected: AUTO, playing: null });
    this.updateReplays(state);
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

  /** Auto, then each rendition of a multivariant stream (a media playlist has one: the menu stays hidden). */
  private qualityModel(): QualityMenuModel {
    const quality = this.engine.quality();
    const labels = this.labels;
    return {
      choices: [
        { key: AUTO, label: labels.qualityAuto },
        ...quality.choices.map((choice) => ({ key: choice.key, label: qualityLabel(choice, labels) })),
      ],
      selected: quality.selected,
      playing: quality.playing ? qualityLabel(quality.playing, labels) : null,
    };
  }

  /** Offers replays while the show is over; drops a playing replay as soon as the show is on again. */
  private updateReplays(state: PlayerState): void {
    if (!this.options.selectReplays) return;
    if (!REPLAY_STATES.has(state)) {
      if (state === "live" || state === "reconnecting") {
        this.stopReplay();
        this.offered = [];
        this.replaysFetchedAt = -Infinity;
      }
      this.view.renderReplays([], () => undefined);
      return;
    }
    if (!this.replaysLoading && !this.replay && performance.now() - this.replaysFetchedAt > REPLAYS_REFRESH_MS) {
      this.loadReplays();
    }
    this.view.renderReplays(this.replay ? [] : this.offered, (id) => this.startReplay(id));
  }

  private loadReplays(): void {
    this.replaysLoading = true;
    this.replaysFetchedAt = performance.now();
    fetchReplays(this.recordingsUrl, this.options.selectReplays!, this.options.formatReplay, this.abort.signal, this.access !== "public")
      .catch(() => this.offered)
      .then((offered) => {
        this.replaysLoading = false;
        if (this.destroyed) return;
        this.offered = offered;
        this.render();
      });
  }

  private startReplay(id: string): void {
    const chosen = this.offered.find((r) => r.id === id);
    if (!chosen || this.destroyed) return;
    this.stopReplay();
    const host = this.view.replayHost;
    host.hidden = false;
    this.replay = mountReplay(host, {
      playlistUrl: chosen.url,
      autoplay: true,
      withCredentials: this.access !== "public",
      ...(this.options.replayControlTexts ? { controlTexts: this.options.replayControlTexts } : {}),
    });
    this.render();
  }

  private stopReplay(): void {
    if (!this.replay) return;
    this.replay.destroy();
    this.replay = null;
    this.view.replayHost.hidden = true;
  }
}

export function mount(element: HTMLElement, options: MountOptions): PlayerHandle {
  validate(element, options);
  const controller = new PlayerController(element, options);
  return { destroy: () => controller.destroy() };
}

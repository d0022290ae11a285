import videojsImport from "video.js";
import "./vhs.js";
import { filterInitSegments } from "./init-segment-dedupe.js";
import { bufferedEndAt, catchUpPolicy, decideCatchUp } from "./live-edge.js";
import { chooseLiveStart, liveEdgeDelay, worthWaitingForNewerKeyframe } from "./live-start.js";
import type { MediaPlaylistLike } from "./live-start.js";

// video.js's types describe a CommonJS default export, which TypeScript (NodeNext) sees as a
// namespace; the bundler hands us the function itself.
const videojs = videojsImport as unknown as typeof videojsImport.default;
type Player = ReturnType<typeof videojs>;

/** A join waits at most this long for a newer keyframe to start on (see worthWaitingForNewerKeyframe). */
const JOIN_WAIT_S = 0.8;

/** The parts of VHS's handler we use (`tech.vhs`): documented in VHS's README, not in its types. */
interface VhsMediaPlaylist extends MediaPlaylistLike {
  start?: { timeOffset: number; precise: boolean };
}
interface VhsHandlerLike {
  mediaSource?: MediaSource;
  playlists?: {
    media(): VhsMediaPlaylist | undefined;
    on(event: string, listener: () => void): void;
  };
}

export interface EngineOptions {
  lowLatency: boolean;
  autoplay: boolean;
  /** video.js's own control texts we translate (the rest of its controls speak English). */
  controlTexts: { Play: string; Unmute: string };
}

export interface EngineEvents {
  /** The media can show something, or waits for the viewer to press play. */
  ready(): void;
  /** currentTime advanced. */
  progress(): void;
  waiting(): void;
  error(): void;
  ended(): void;
  /** Paused, muted, blocked or behind-live changed: re-render. */
  changed(): void;
}

export interface EngineView {
  attached: boolean;
  muted: boolean;
  /** The viewer has to press play (autoplay off or refused by the browser). */
  needsPlay: boolean;
  /** Playing right now (not paused, not waiting for the first frame). */
  playing: boolean;
  /** Paused by the viewer, or resumed behind the live edge. */
  behindLive: boolean;
}

/** Media Source Extensions: VHS everywhere they exist, native HLS only where they do not (iPhone). */
export function hasMse(): boolean {
  return typeof window.MediaSource === "function" && typeof window.MediaSource.isTypeSupported === "function";
}

/** One video.js player with VHS for the lifetime of a mount; media attached and detached as the show comes and goes. */
export class VideoEngine {
  readonly usesMse = hasMse();
  private readonly player: Player;
  private attached = false;
  private session = 0;
  private vhs: VhsHandlerLike | null = null;
  private playlist: { edgeDelay: number; targetDuration: number } | null = null;
  private sourceReady = false;
  private playRequested = false;
  private playStarted = false;
  private hasPlayed = false;
  private blocked = false;
  private wantPlay: boolean;
  private wantMuted: boolean;
  private viewerPaused = false;
  private behindByChoice = false;
  private lastTime = -1;
  private rate = 1;
  /** performance.now() of this session's first "playing". */
  private playingSince: number | null = null;
  /** Starts playback if no playlist refresh ended the wait for a newer keyframe in time. */
  private joinWaitTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    video: HTMLVideoElement,
    private readonly options: EngineOptions,
    private readonly events: EngineEvents,
  ) {
    this.wantPlay = options.autoplay;
    this.wantMuted = options.autoplay;
    const language = (video.ownerDocument.documentElement.lang || "en").toLowerCase();
    this.player = videojs(video, {
      controls: true,
      autoplay: false, // we call play() once the start position is chosen
      muted: this.wantMuted,
      preload: "auto",
      fill: true,
      playsinline: true,
      liveui: false,
      bigPlayButton: false,
      errorDisplay: false, // our overlay explains errors in words
      textTrackSettings: false,
      noUITitleAttributes: true,
      language,
      languages: { [language]: options.controlTexts },
      controlBar: {
        children: ["playToggle", "volumePanel", "customControlSpacer", "pictureInPictureToggle", "fullscreenToggle"],
      },
      html5: {
        vhs: { overrideNative: this.usesMse, llhls: options.lowLatency },
        nativeAudioTracks: !this.usesMse,
        nativeVideoTracks: !this.usesMse,
      },
    });
    this.listen();
  }

  element(): HTMLElement {
    return this.player.el() as HTMLElement;
  }

  view(): EngineView {
    const paused = this.player.paused();
    return {
      attached: this.attached,
      muted: Boolean(this.player.muted()),
      needsPlay: this.attached && this.sourceReady && (this.blocked || !this.wantPlay) && paused && !this.viewerPaused,
      playing: this.attached && this.hasPlayed && !paused,
      behindLive: this.attached && this.hasPlayed && (this.viewerPaused || this.behindByChoice),
    };
  }

  /** `withCredentials`: a members-only stream, whose every request must carry the viewer's session cookie. */
  attach(playlistUrl: string, withCredentials = false): void {
    this.resetSession();
    this.attached = true;
    this.player.muted(this.wantMuted);
    this.player.src({ src: playlistUrl, type: "application/x-mpegURL", withCredentials });
  }

  detach(): void {
    if (!this.attached) return;
    this.attached = false;
    this.resetSession();
    // paused first: video.js resets a playing player only after a play() that may never resolve
    this.player.pause();
    this.player.reset();
  }

  /** The viewer pressed our play button. */
  play(): void {
    this.wantPlay = true;
    this.blocked = false;
    if (!this.attached) return;
    if (this.playStarted) this.requestPlay();
    else this.maybeStartPlayback();
    this.events.changed();
  }

  unmute(): void {
    this.wantMuted = false;
    this.player.muted(false);
    if (!this.player.volume()) this.player.volume(1);
    if (this.attached && this.player.paused()) this.play();
    this.events.changed();
  }

  goLive(): void {
    this.viewerPaused = false;
    this.behindByChoice = false;
    const seekable = this.player.seekable();
    if (this.attached && seekable.length > 0) this.player.currentTime(seekable.end(seekable.length - 1));
    this.play();
  }

  /** Called twice a second: nudges playback back towards the live edge. */
  tick(): void {
    if (!this.attached || !this.usesMse || !this.playlist) return;
    const player = this.player;
    if (!this.hasPlayed || player.paused() || player.seeking() || this.behindByChoice) {
      this.setRate(1);
      return;
    }
    const policy = catchUpPolicy({
      lowLatency: this.options.lowLatency,
      edgeDelayS: this.playlist.edgeDelay,
      targetDurationS: this.playlist.targetDuration,
    });
    const currentTime = player.currentTime() ?? 0;
    const decision = decideCatchUp(policy, {
      currentTime,
      bufferedEnd: bufferedEndAt(player.buffered(), currentTime),
      currentRate: this.rate,
      playingForS: this.playingSince === null ? 0 : (performance.now() - this.playingSince) / 1000,
    });
    if (decision.seekTo !== null) player.currentTime(decision.seekTo);
    this.setRate(decision.rate);
  }

  dispose(): void {
    this.attached = false;
    this.resetSession();
    this.player.dispose();
  }

  private resetSession(): void {
    this.session += 1;
    this.vhs = null;
    this.playlist = null;
    this.sourceReady = false;
    this.playStarted = false;
    this.hasPlayed = false;
    this.blocked = false;
    this.viewerPaused = false;
    this.behindByChoice = false;
    this.lastTime = -1;
    this.rate = 1;
    this.playingSince = null;
    clearTimeout(this.joinWaitTimer);
    this.joinWaitTimer = undefined;
  }

  private setRate(rate: number): void {
    if (rate === this.rate) return;
    this.rate = rate;
    this.player.playbackRate(rate);
  }

  private listen(): void {
    const player = this.player;
    player.on("loadstart", () => this.hookVhs());
    player.on("loadedmetadata", () => {
      // native HLS (no VHS): nothing to prepare before playing
      if (this.attached && !this.vhs) this.onSourceReady();
    });
    player.on("loadeddata", () => {
      if (this.attached) this.events.ready();
    });
    player.on("timeupdate", () => {
      if (!this.attached || player.seeking()) return;
      const time = player.currentTime() ?? 0;
      if (time > this.lastTime + 0.01 && this.lastTime >= 0) this.events.progress();
      this.lastTime = time;
    });
    player.on("playing", () => {
      if (!this.attached) return;
      this.hasPlayed = true;
      this.playingSince ??= performance.now();
      this.blocked = false;
      this.events.changed();
    });
    player.on("waiting", () => {
      if (this.attached && !player.paused()) this.events.waiting();
    });
    player.on("pause", () => {
      // a pause while the page is visible is the viewer's; hidden tabs get paused by the browser
      if (this.attached && this.hasPlayed && document.visibilityState === "visible") this.viewerPaused = true;
      this.events.changed();
    });
    player.on("play", () => {
      if (this.viewerPaused) this.behindByChoice = true;
      this.viewerPaused = false;
      this.events.changed();
    });
    player.on("volumechange", () => {
      if (this.attached) this.wantMuted = Boolean(player.muted());
      this.events.changed();
    });
    player.on("error", () => {
      if (this.attached) this.events.error();
    });
    player.on("ended", () => {
      if (this.attached) this.events.ended();
    });
  }

  private hookVhs(): void {
    if (!this.attached || !this.usesMse) return;
    const vhs = (this.player.tech(true) as unknown as { vhs?: VhsHandlerLike }).vhs;
    if (!vhs || vhs === this.vhs) return;
    this.vhs = vhs;
    if (vhs.mediaSource) filterInitSegments(vhs.mediaSource);
    const session = this.session;
    vhs.playlists?.on("loadedplaylist", () => {
      if (session === this.session) this.onPlaylist(vhs);
    });
    this.onPlaylist(vhs);
  }

  private onPlaylist(vhs: VhsHandlerLike): void {
    const media = vhs.playlists?.media();
    if (!media || !this.attached) return;
    const edgeDelay = liveEdgeDelay(media);
    this.playlist = { edgeDelay, targetDuration: media.targetDuration };
    if (this.playStarted) return;
    if (this.options.lowLatency) {
      // VHS reads media.start (EXT-X-START) once, on its first play: set it on every refresh until then
      const start = chooseLiveStart(media);
      if (start) media.start = { timeOffset: start.timeOffset, precise: true };
      // A join that would land up to a GOP behind waits (under a second) for the next refreshes instead.
      if (start && !this.sourceReady && worthWaitingForNewerKeyframe(start, edgeDelay, JOIN_WAIT_S)) {
        const session = this.session;
        this.joinWaitTimer ??= setTimeout(
          () => {
            if (session === this.session) this.onSourceReady();
          },
          (JOIN_WAIT_S + 0.3) * 1000,
        );
        return;
      }
    }
    this.onSourceReady();
  }

  private onSourceReady(): void {
    if (this.sourceReady || !this.attached) return;
    clearTimeout(this.joinWaitTimer);
    this.sourceReady = true;
    this.maybeStartPlayback();
    if (!this.playStarted) this.events.ready();
  }

  private maybeStartPlayback(): void {
    if (!this.attached || this.playStarted || !this.sourceReady || !this.wantPlay) return;
    this.playStarted = true;
    this.requestPlay();
  }

  private requestPlay(): void {
    const session = this.session;
    const result = this.player.play();
    if (!result) return;
    result.catch(() => {
      if (session !== this.session || !this.attached) return;
      // autoplay refused (or interrupted): the viewer gets a play button
      this.blocked = true;
      this.events.ready();
      this.events.changed();
    });
  }
}

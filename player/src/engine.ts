import videojsImport from "video.js";
import "./vhs.js";
import { filterInitSegments } from "./init-segment-dedupe.js";
import { bufferedEndAt, catchUpPolicy, decideCatchUp } from "./live-edge.js";
import { chooseLiveStart, liveEdgeDelay, worthWaitingForNewerKeyframe } from "./live-start.js";
import { bufferEndsOnKeyframe, keyframeTimes, type TimedPlaylist } from "./rendition-switch.js";
import { AUTO, effectiveChoice, qualityChoices, type QualityChoice, type Rendition } from "./quality.js";

// video.js's types describe a CommonJS default export, which TypeScript (NodeNext) sees as a
// namespace; the bundler hands us the function itself.
const videojs = videojsImport as unknown as typeof videojsImport.default;
type Player = ReturnType<typeof videojs>;

/** A join waits at most this long for a newer keyframe to start on (see worthWaitingForNewerKeyframe). */
const JOIN_WAIT_S = 0.8;

/** The parts of VHS's handler we use (`tech.vhs`): documented in VHS's README, not in its types. */
interface VhsMediaPlaylist extends TimedPlaylist {
  start?: { timeOffset: number; precise: boolean };
  id?: string;
  /** Set while VHS keeps a failing rendition out of its choice; Infinity: the browser cannot play it. */
  excludeUntil?: number;
  /** Its EXT-X-STREAM-INF, in a multivariant playlist. */
  attributes?: { BANDWIDTH?: number; RESOLUTION?: { width: number; height: number } };
}
/** VHS internals (3.17) that decide where a new rendition is loaded from; see loadNextRenditionAtBufferEnd. */
interface VhsSegmentLoaderLike {
  on(event: "appendsdone", listener: () => void): void;
  playlist(next: VhsMediaPlaylist & { uri?: string }, options?: unknown): unknown;
  resetLoader(): void;
  resyncLoader(): void;
  playlist_?: { uri?: string } | null;
}
interface VhsHandlerLike {
  mediaSource?: MediaSource;
  playlists?: {
    media(): VhsMediaPlaylist | undefined;
    on(event: string, listener: () => void): void;
    /** The multivariant playlist (VHS wraps a media playlist into one with a single variant). */
    main?: { playlists?: VhsMediaPlaylist[] };
  };
  /** VHS's rendition choice, made before each request and by its ABR check; documented as replaceable. */
  selectPlaylist?: () => VhsMediaPlaylist | null | undefined;
  playlistController_?: { mainSegmentLoader_?: VhsSegmentLoaderLike; checkABR_?: (reason: string) => void };
}

export interface EngineOptions {
  lowLatency: boolean;
  autoplay: boolean;
  /** The quality to apply once a multivariant stream's renditions are known ("auto" or a choice's key). */
  quality: string;
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

/** What the quality menu shows: the stream's renditions (none: a media playlist), the choice, what plays. */
export interface QualityView {
  choices: QualityChoice[];
  /** "auto" or a choice's key. */
  selected: string;
  playing: QualityChoice | null;
}

/** VHS reads window.localStorage without a guard: offer it only where reading it does not throw. */
function localStorageUsable(): boolean {
  try {
    return Boolean(window.localStorage);
  } catch {
    return false;
  }
}

/**
 * On a rendition switch VHS reloads an LL-HLS stream from the playhead (`resetLoader`), fetching again
 * what is buffered, on the link that just proved too slow, and through the new rendition's frames that
 * the browser drops until a keyframe. For that one call it resyncs instead, as it does for plain HLS:
 * the next rendition continues at the buffered end, where timeSwitch put a keyframe. Seeks still reset.
 */
function loadNextRenditionAtBufferEnd(loader: VhsSegmentLoaderLike): void {
  const playlist = loader.playlist.bind(loader);
  loader.playlist = (next, options) => {
    if (!loader.playlist_ || loader.playlist_.uri === next?.uri) return playlist(next, options);
    const reset = loader.resetLoader;
    loader.resetLoader = () => loader.resyncLoader();
    try {
      return playlist(next, options);
    } finally {
      loader.resetLoader = reset;
    }
  };
}

/**
 * VHS's own selector fed with a moving average of the measured bandwidth instead of the last request's:
 * LL-HLS parts are small (a fifth of a second), so one part the server or the link delayed would
 * otherwise switch down on its own. Decay 0.55 is VHS's (its buffer-based mode): a lasting drop still
 * shows within three parts.
 */
function averageBandwidthSelector(vhs: VhsHandlerLike): (() => VhsMediaPlaylist | null | undefined) | undefined {
  const Vhs = (
    videojs as unknown as { Vhs?: { movingAverageBandwidthSelector?(decay: number): (this: unknown) => VhsMediaPlaylist | null } }
  ).Vhs;
  return Vhs?.movingAverageBandwidthSelector?.(0.55).bind(vhs);
}

/** The variants this browser can play (VHS excludes the others for good before choosing). */
function playableRenditions(vhs: VhsHandlerLike): VhsMediaPlaylist[] {
  return (vhs.playlists?.main?.playlists ?? []).filter((p) => p.id !== undefined && p.excludeUntil !== Infinity);
}

function toRendition(playlist: VhsMediaPlaylist): Rendition {
  const resolution = playlist.attributes?.RESOLUTION;
  return { id: playlist.id!, width: resolution?.width, height: resolution?.height, bandwidth: playlist.attributes?.BANDWIDTH };
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
  /** The ids of the stream's renditions, as last rendered. */
  private renditions = "";
  /** The viewer's quality choice ("auto", "source", "480p"...). */
  private qualityKey: string;

  constructor(
    video: HTMLVideoElement,
    private readonly options: EngineOptions,
    private readonly events: EngineEvents,
  ) {
    this.wantPlay = options.autoplay;
    this.wantMuted = options.autoplay;
    this.qualityKey = options.quality;
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
        vhs: {
          overrideNative: this.usesMse,
          llhls: options.lowLatency,
          // Auto never fetches more pixels than the player shows (phones save data), counted in device
          // pixels so high-DPI screens keep a sharp picture; fullscreen lets it step up.
          limitRenditionByPlayerDimensions: true,
          useDevicePixelRatio: true,
          // VHS does not switch an LL-HLS stream before its first frame: this browser's last measured
          // bandwidth picks that first rendition better than VHS's fixed 4 Mbit/s guess.
          useBandwidthFromLocalStorage: localStorageUsable(),
          // Chromium's navigator.connection.downlink (coarse, browser-wide) would replace VHS's own
          // measurement of this stream's parts whenever it is under 10 Mbit/s.
          useNetworkInformationApi: false,
        },
        nativeAudioTracks: !this.usesMse,
        nativeVideoTracks: !this.usesMse,
      },
    });
    this.listen();
  }

  element(): HTMLElement {
    return this.player.el() as HTMLElement;
  }

  /** video.js's control bar, where the quality button goes. */
  controlBar(): HTMLElement | null {
    return (this.player.getChild("ControlBar")?.el() as HTMLElement | undefined) ?? null;
  }

  /** Runs `listener` when video.js hides its controls (no pointer or key activity for a while). */
  onControlsHidden(listener: () => void): void {
    this.player.on("userinactive", listener);
  }

  quality(): QualityView {
    const vhs = this.attached ? this.vhs : null;
    const choices = vhs ? qualityChoices(playableRenditions(vhs).map(toRendition)) : [];
    const playingId = vhs?.playlists?.media()?.id;
    const pinned = effectiveChoice(this.qualityKey, choices);
    return {
      choices,
      selected: pinned ? pinned.key : AUTO,
      playing: choices.find((choice) => choice.renditionId === playingId) ?? null,
    };
  }

  /** The viewer chose a quality: "auto" or a choice's key. VHS moves at its next check (timeSwitch). */
  setQuality(key: string): void {
    this.qualityKey = key;
    this.events.changed();
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
    this.renditions = "";
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
    // VHS announces a new handler before its src() runs, which sends the first playlist request: right
    // after it, and before the answer, is the time to hook in (on "loadstart" VHS may already have
    // picked its first rendition, not the one the viewer pinned).
    player.on("xhr-hooks-ready", () => queueMicrotask(() => this.hookVhs()));
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
    const choose = averageBandwidthSelector(vhs) ?? vhs.selectPlaylist;
    const controller = vhs.playlistController_;
    const loader = controller?.mainSegmentLoader_;
    if (choose && loader) {
      loadNextRenditionAtBufferEnd(loader);
      vhs.selectPlaylist = () => this.timeSwitch(vhs, this.pinnedRendition(vhs) ?? choose());
      // VHS checks its choice every 250 ms; a buffer ending on a keyframe may last less than that
      loader.on("appendsdone", () => controller.checkABR_?.("keyframe"));
    }
    const session = this.session;
    vhs.playlists?.on("loadedplaylist", () => {
      if (session === this.session) this.onPlaylist(vhs);
    });
    vhs.playlists?.on("mediachange", () => {
      if (session === this.session) this.events.changed();
    });
    this.onPlaylist(vhs);
  }

  private onPlaylist(vhs: VhsHandlerLike): void {
    const media = vhs.playlists?.media();
    if (!media || !this.attached) return;
    const renditions = playableRenditions(vhs)
      .map((p) => p.id)
      .join(" ");
    if (renditions !== this.renditions) {
      this.renditions = renditions;
      this.events.changed(); // the quality menu learns them
    }
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

  /** The rendition the viewer pinned, unless VHS is keeping it out because it failed. */
  private pinnedRendition(vhs: VhsHandlerLike): VhsMediaPlaylist | null {
    const playable = playableRenditions(vhs);
    const pinned = effectiveChoice(this.qualityKey, qualityChoices(playable.map(toRendition)));
    const playlist = pinned ? playable.find((p) => p.id === pinned.renditionId) : undefined;
    return playlist && !(playlist.excludeUntil !== undefined && playlist.excludeUntil > Date.now()) ? playlist : null;
  }

  /**
   * VHS switches an LL-HLS stream wherever its choice changes; the next rendition's picture then freezes
   * until its next keyframe (up to a GOP; measured: 3 s with a 2 s GOP). Its choice is taken only while
   * the buffer ends on a keyframe, where the next rendition is then loaded from
   * (loadNextRenditionAtBufferEnd): at most a GOP later, without a frozen frame. A rendition that
   * failed is left at once.
   */
  private timeSwitch(vhs: VhsHandlerLike, next: VhsMediaPlaylist | null | undefined): VhsMediaPlaylist | null | undefined {
    const current = vhs.playlists?.media();
    const lowLatencyLive = current && !current.endList && typeof current.partTargetDuration === "number";
    if (!next || !current || next === current || !lowLatencyLive || !this.hasPlayed) return next;
    if (current.excludeUntil !== undefined && current.excludeUntil > Date.now()) return next; // it failed: leave now
    const time = this.player.currentTime() ?? 0;
    const bufferedEnd = bufferedEndAt(this.player.buffered(), time) ?? time;
    return bufferEndsOnKeyframe(keyframeTimes(current), bufferedEnd) ? next : current;
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

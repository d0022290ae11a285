import Component from "@glimmer/component";
import { tracked } from "@glimmer/tracking";
import { on } from "@ember/modifier";
import { modifier } from "ember-modifier";
import { i18n } from "discourse-i18n";
import { loadPlayerBundle } from "../lib/player-bundle";
import { formatLength } from "../lib/replays";
import LiveShowSchedule from "./live-show-schedule";

const STATES = new Set([
  "loading",
  "offline",
  "live",
  "reconnecting",
  "ended",
  "error",
]);
// Docks once less than this share of the player is visible.
const DOCK_VISIBILITY = 0.5;

function overrideOr(text, fallback) {
  return typeof text === "string" && text.trim() ? text.trim() : fallback;
}

function endedText() {
  return overrideOr(
    settings.ended_text,
    i18n(themePrefix("live_shows.state.ended"))
  );
}

function playerLabels() {
  return {
    loading: i18n(themePrefix("live_shows.state.loading")),
    offline: overrideOr(
      settings.offline_text,
      i18n(themePrefix("live_shows.state.offline"))
    ),
    live: i18n(themePrefix("live_shows.state.live")),
    reconnecting: i18n(themePrefix("live_shows.state.reconnecting")),
    ended: endedText(),
    error: i18n(themePrefix("live_shows.state.error")),
    unmute: i18n(themePrefix("live_shows.controls.unmute")),
    goLive: i18n(themePrefix("live_shows.controls.go_live")),
    play: i18n(themePrefix("live_shows.controls.play")),
    watchReplay: i18n(themePrefix("live_shows.replay.watch")),
    membersOnly: i18n(themePrefix("live_shows.access.members_only")),
    logIn: i18n(themePrefix("live_shows.access.log_in")),
    // The player fills in the group names it learns from the ingest.
    groupOnly: i18n(themePrefix("live_shows.access.group_only"), {
      group: "%{group}",
    }),
    seeGroup: i18n(themePrefix("live_shows.access.see_group")),
    quality: i18n(themePrefix("live_shows.quality.menu")),
    qualityAuto: i18n(themePrefix("live_shows.quality.auto")),
    qualitySource: i18n(themePrefix("live_shows.quality.source")),
  };
}

/** "3 Dec 2026, 20:00 · 1:02:05" in the reader's language. */
function replayText(replay) {
  const at = new Date(replay.startedAt);
  const date = Number.isNaN(at.getTime())
    ? ""
    : at.toLocaleString(document.documentElement.lang || undefined, {
        dateStyle: "medium",
        timeStyle: "short",
      });
  return i18n(themePrefix("live_shows.replay.when"), {
    date,
    length: formatLength(replay.durationS),
  });
}

/** video.js's own texts (its English keys) for the replay's controls. */
function replayControlTexts() {
  const play = i18n(themePrefix("live_shows.replay.controls.play"));
  const exitFullscreen = i18n(
    themePrefix("live_shows.replay.controls.exit_fullscreen")
  );
  return {
    Play: play,
    Replay: play,
    Pause: i18n(themePrefix("live_shows.replay.controls.pause")),
    Mute: i18n(themePrefix("live_shows.replay.controls.mute")),
    Unmute: i18n(themePrefix("live_shows.replay.controls.unmute")),
    Fullscreen: i18n(themePrefix("live_shows.replay.controls.fullscreen")),
    "Exit Fullscreen": exitFullscreen,
    "Non-Fullscreen": exitFullscreen,
    "Picture-in-Picture": i18n(
      themePrefix("live_shows.replay.controls.picture_in_picture")
    ),
    "Exit Picture-in-Picture": i18n(
      themePrefix("live_shows.replay.controls.exit_picture_in_picture")
    ),
    "Current Time": i18n(
      themePrefix("live_shows.replay.controls.current_time")
    ),
    Duration: i18n(themePrefix("live_shows.replay.controls.duration")),
    "Progress Bar": i18n(themePrefix("live_shows.replay.controls.seek")),
  };
}

/**
 * The player of one stream. The bundle owns everything inside the stage element; this component
 * owns the 16:9 box around it (reserved before the bundle loads) and the docked mini-player.
 *
 * @typedef {object} LiveShowPlayerSignature
 * @property {{ baseUrl: string, stream: string, topicId: number, event?: import("../lib/show-schedule").ShowEvent | null, selectReplays?: ((recordings: unknown) => Promise<unknown[]>) | null }} Args
 *   @baseUrl is the normalised ingest URL; a new @topicId remounts the player; @event (the topic's
 *   calendar event) replaces the offline message with the schedule; @selectReplays (null: replays
 *   off) picks this topic's replays from the stream's recordings.json.
 *
 * @extends {Component<LiveShowPlayerSignature>}
 */
export default class LiveShowPlayer extends Component {
  @tracked state = "loading";
  @tracked loadFailed = false;
  @tracked outOfView = false;
  @tracked dockDismissed = false;
  @tracked hasReplays = false;
  /** @type {HTMLElement | null} */
  frame = null;

  mountPlayer = modifier(
    /**
     * @param {HTMLElement} element
     * @param {[string, string, number]} positional
     */
    (element, [baseUrl, stream, topicId]) => {
      // Reading the topic id makes a topic change re-run this modifier: teardown, then a fresh mount.
      element.dataset.topicId = String(topicId);
      return this.#mount(element, baseUrl, stream);
    }
  );

  observeFrame = modifier((/** @type {HTMLElement} */ element) => {
    this.frame = element;
    if (
      !settings.docked_mini_player ||
      typeof IntersectionObserver === "undefined"
    ) {
      return;
    }
    const observer = new IntersectionObserver(
      ([entry]) => {
        const visible =
          entry.isIntersecting && entry.intersectionRatio >= DOCK_VISIBILITY;
        this.outOfView = !visible;
        if (visible) {
          this.dockDismissed = false;
        }
      },
      { threshold: [0, DOCK_VISIBILITY, 1] }
    );
    observer.observe(element);
    return () => {
      observer.disconnect();
      this.frame = null;
    };
  });

  returnToPlayer = () => {
    const reduceMotion = window.matchMedia?.(
      "(prefers-reduced-motion: reduce)"
    ).matches;
    this.frame?.scrollIntoView({
      behavior: reduceMotion ? "auto" : "smooth",
      block: "center",
    });
  };

  closeDock = () => {
    this.dockDismissed = true;
  };

  /** @returns {() => void} the modifier's teardown: runs on a topic change and when leaving the page */
  #mount(element, baseUrl, stream) {
    let active = true;
    let handle = null;
    loadPlayerBundle(
      settings.theme_uploads_local?.live_player ??
        settings.theme_uploads?.live_player
    )
      .then((player) => {
        if (!active) {
          return;
        }
        this.state = "loading";
        this.loadFailed = false;
        this.dockDismissed = false;
        this.hasReplays = false;
        handle = player.mount(element, {
          baseUrl,
          stream,
          autoplay: settings.autoplay_muted,
          lowLatency: settings.low_latency,
          showViewers: settings.show_viewer_count,
          labels: playerLabels(),
          formatViewers: (count) =>
            i18n(themePrefix("live_shows.viewers"), { count }),
          ...(this.args.selectReplays
            ? {
                selectReplays: this.#selectReplays(this.args.selectReplays),
                formatReplay: replayText,
                replayControlTexts: replayControlTexts(),
              }
            : {}),
          onStateChange: (state) => {
            if (active && STATES.has(state)) {
              this.state = state;
            }
          },
        });
      })
      .catch((error) => {
        if (active) {
          this.loadFailed = true;
          this.state = "error";
        }
        // eslint-disable-next-line no-console
        console.error(error);
      });
    return () => {
      active = false;
      handle?.destroy();
      handle = null;
    };
  }

  get docked() {
    return (
      settings.docked_mini_player &&
      this.state === "live" &&
      this.outOfView &&
      !this.dockDismissed
    );
  }

  /** The event to show over the offline player, or null: the bundle's replay offer goes first. */
  get scheduledEvent() {
    return this.state === "offline" && !this.hasReplays
      ? (this.args.event ?? null)
      : null;
  }

  /** The topic's selection, noting whether the bundle will offer replays (the schedule then steps aside). */
  #selectReplays(select) {
    return async (/** @type {unknown} */ recordings) => {
      const replays = await select(recordings);
      this.hasReplays = Array.isArray(replays) && replays.length > 0;
      return replays;
    };
  }

  get endedText() {
    return endedText();
  }

  <template>
    {{! Core renders this inside an inline <span> (the topic-above-posts outlet), where only phrasing
        content is valid HTML: spans laid out as blocks by the stylesheet, a region by role. }}
    <span
      class="live-show-frame"
      role="region"
      data-state={{this.state}}
      aria-label={{i18n (themePrefix "live_shows.region_label")}}
    >
      <span class="live-show-frame__box" {{this.observeFrame}}>
        <span class="live-show-frame__dock {{if this.docked '--docked'}}">
          <span
            class="live-show-frame__stage"
            {{this.mountPlayer @baseUrl @stream @topicId}}
          ></span>
          {{#if this.scheduledEvent}}
            <LiveShowSchedule
              @event={{this.scheduledEvent}}
              @endedText={{this.endedText}}
            />
          {{/if}}
          {{#if this.loadFailed}}
            <span class="live-show-frame__message" role="alert">
              {{i18n (themePrefix "live_shows.state.load_failed")}}
            </span>
          {{/if}}
          {{#if this.docked}}
            <span class="live-show-frame__dock-controls">
              <button
                type="button"
                class="btn btn-small btn-flat live-show-frame__return"
                {{on "click" this.returnToPlayer}}
              >{{i18n (themePrefix "live_shows.dock.return")}}</button>
              <button
                type="button"
                class="btn btn-small btn-flat live-show-frame__close"
                aria-label={{i18n (themePrefix "live_shows.dock.close")}}
                title={{i18n (themePrefix "live_shows.dock.close")}}
                {{on "click" this.closeDock}}
              >×</button>
            </span>
          {{/if}}
        </span>
      </span>
    </span>
  </template>
}

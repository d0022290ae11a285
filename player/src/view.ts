import type { Labels, PlayerState } from "./types.js";

export interface ViewModel {
  state: PlayerState;
  /** Media loaded into the player (false: the idle card without video). */
  attached: boolean;
  /** Formatted viewer count, or null to hide it. */
  viewersText: string | null;
  showUnmute: boolean;
  showPlay: boolean;
  showGoLive: boolean;
  /** A members-only stream this viewer may not watch yet: the sentence and the link that fixes it. */
  gate: { text: string; action: string; href: string } | null;
}

export interface ViewActions {
  unmute(): void;
  play(): void;
  goLive(): void;
}

const MESSAGE_STATES: ReadonlySet<PlayerState> = new Set(["loading", "offline", "reconnecting", "ended", "error"]);

const SVG_NS = "http://www.w3.org/2000/svg";
/** A muted speaker. */
const SPEAKER_PATH =
  "M3 9v6h4l5 5V4L7 9H3zm13.6 3 2.7-2.7-1.4-1.4-2.7 2.7-2.7-2.7-1.4 1.4 2.7 2.7-2.7 2.7 1.4 1.4 2.7-2.7 2.7 2.7 1.4-1.4-2.7-2.7z";

function speakerIcon(doc: Document): SVGSVGElement {
  const svg = doc.createElementNS(SVG_NS, "svg");
  svg.setAttribute("class", "live-show-icon");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = doc.createElementNS(SVG_NS, "path");
  path.setAttribute("fill", "currentColor");
  path.setAttribute("d", SPEAKER_PATH);
  svg.append(path);
  return svg;
}

function element<K extends keyof HTMLElementTagNameMap>(doc: Document, tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  const node = doc.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The player's own DOM: the overlay over video.js and a polite live region for screen readers. */
export class PlayerView {
  readonly root: HTMLDivElement;
  readonly video: HTMLVideoElement;
  private readonly overlay: HTMLDivElement;
  private readonly badge: HTMLSpanElement;
  private readonly viewers: HTMLSpanElement;
  private readonly message: HTMLDivElement;
  private readonly unmute: HTMLButtonElement;
  private readonly play: HTMLButtonElement;
  private readonly goLive: HTMLButtonElement;
  private readonly gateAction: HTMLAnchorElement;
  private readonly announcer: HTMLDivElement;
  private readonly replays: HTMLDivElement;
  private replaysKey = "";
  /** Where a replay plays, over the live player (which keeps watching for the performer's return). */
  readonly replayHost: HTMLDivElement;
  private lastAnnounced: string | null = null;
  private lastClass = "";

  constructor(
    doc: Document,
    private readonly labels: Labels,
    actions: ViewActions,
  ) {
    this.root = element(doc, "div", "live-show-player");
    this.video = element(doc, "video", "video-js live-show-video");
    this.video.setAttribute("playsinline", "");
    this.root.append(this.video);

    this.overlay = element(doc, "div", "live-show-overlay");
    const top = element(doc, "div", "live-show-top");
    this.badge = element(doc, "span", "live-show-badge", labels.live);
    this.viewers = element(doc, "span", "live-show-viewers");
    top.append(this.badge, this.viewers);
    this.message = element(doc, "div", "live-show-message");
    this.message.setAttribute("aria-hidden", "true"); // the live region below speaks it
    this.unmute = element(doc, "button", "live-show-button live-show-unmute");
    this.unmute.type = "button";
    this.unmute.append(speakerIcon(doc), element(doc, "span", "live-show-button-text", labels.unmute));
    this.play = element(doc, "button", "live-show-button live-show-play", labels.play);
    this.play.type = "button";
    this.goLive = element(doc, "button", "live-show-button live-show-go-live", labels.goLive);
    this.goLive.type = "button";
    this.replays = element(doc, "div", "live-show-replays");
    this.replays.hidden = true;
    // A plain link: signing in is a top-level navigation to the forum and back to this topic.
    this.gateAction = element(doc, "a", "live-show-button live-show-access-action");
    this.gateAction.hidden = true;
    this.overlay.append(top, this.message, this.play, this.unmute, this.goLive, this.replays, this.gateAction);
    this.root.append(this.overlay);
    this.replayHost = element(doc, "div", "live-show-replay-host");
    this.replayHost.hidden = true;
    this.root.append(this.replayHost);

    this.announcer = element(doc, "div", "live-show-sr-only");
    this.announcer.setAttribute("role", "status");
    this.announcer.setAttribute("aria-live", "polite");
    this.root.append(this.announcer);

    this.unmute.addEventListener("click", () => actions.unmute());
    this.play.addEventListener("click", () => actions.play());
    this.goLive.addEventListener("click", () => actions.goLive());
  }

  /** Moves the overlay into video.js's element so fullscreen shows it too. */
  placeOverlayIn(playerElement: HTMLElement): void {
    playerElement.append(this.overlay);
  }

  render(model: ViewModel): void {
    const className = [
      "live-show-player",
      `live-show-player--${model.state}`,
      model.attached ? "live-show-player--attached" : "live-show-player--idle",
    ].join(" ");
    if (className !== this.lastClass) {
      this.root.className = className;
      this.lastClass = className;
    }
    const { gate } = model;
    const showMessage = gate !== null || MESSAGE_STATES.has(model.state);
    this.message.hidden = !showMessage;
    if (showMessage) this.message.textContent = gate ? gate.text : this.labels[model.state];
    this.root.classList.toggle("live-show-player--gated", gate !== null);
    this.gateAction.hidden = gate === null;
    if (gate) {
      this.gateAction.textContent = gate.action;
      if (this.gateAction.getAttribute("href") !== gate.href) this.gateAction.href = gate.href;
    }
    this.badge.hidden = model.state !== "live";
    this.viewers.hidden = model.state !== "live" || model.viewersText === null;
    this.viewers.textContent = model.viewersText ?? "";
    this.unmute.hidden = !model.showUnmute;
    this.play.hidden = !model.showPlay;
    this.goLive.hidden = !model.showGoLive;
    const announced = gate ? gate.text : model.state;
    if (announced !== this.lastAnnounced) {
      this.lastAnnounced = announced;
      this.announcer.textContent = gate ? gate.text : this.labels[model.state];
    }
  }

  /** "Watch the replay" buttons (one per replay, its date and length under the label); none: hidden. */
  renderReplays(replays: ReadonlyArray<{ id: string; text: string }>, choose: (id: string) => void): void {
    const key = JSON.stringify(replays.map((r) => [r.id, r.text]));
    if (key === this.replaysKey) return;
    this.replaysKey = key;
    const doc = this.root.ownerDocument;
    this.replays.replaceChildren(
      ...replays.map((replay) => {
        const button = element(doc, "button", "live-show-button live-show-watch-replay");
        button.type = "button";
        button.dataset.replay = replay.id;
        button.append(
          element(doc, "span", "live-show-button-text", this.labels.watchReplay),
          element(doc, "span", "live-show-replay-when", replay.text),
        );
        button.addEventListener("click", () => choose(replay.id));
        return button;
      }),
    );
    this.replays.hidden = replays.length === 0;
  }

  dispose(): void {
    this.overlay.remove();
    this.root.remove();
  }
}

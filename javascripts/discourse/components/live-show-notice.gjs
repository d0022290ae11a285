import Component from "@glimmer/component";
import { tracked } from "@glimmer/tracking";
import { on } from "@ember/modifier";
import { service } from "@ember/service";
import getURL from "discourse/lib/get-url";
import { i18n } from "discourse-i18n";
import { parseIngestBaseUrl } from "../lib/ingest-url";
import { isDismissed, rememberDismissed, showKey } from "../lib/live-notice";
import { showRows } from "../lib/show-tags";

// A reader who stays on one page still learns of a show starting; the service's cache keeps
// this to one status request per page however many components ask.
const REFRESH_MS = 60_000;

function storage() {
  try {
    return window.localStorage;
  } catch {
    return undefined; // blocked by the browser's settings
  }
}

/**
 * Connector of `above-main-container` (every page; wired only when `live_now_notice` is on): a slim
 * "Live now: <topic title>" notice while a show is live, linking to the newest topic carrying the
 * show's tag, dismissible for that show. Hidden on the show's own topic.
 */
export default class LiveShowNotice extends Component {
  @service liveShowStatus;
  @service router;

  /** @type {{ key: string, title: string, url: string, topicId: number } | null} */
  @tracked show = null;
  refresh = async () => {
    const ingest = parseIngestBaseUrl(
      settings.ingest_base_url,
      window.location.protocol
    );
    const rows = showRows(settings.show_streams);
    if (!ingest.ok || rows.length === 0) {
      return;
    }
    const statuses = await this.liveShowStatus.statuses(ingest.url);
    const live = rows
      .map((row) => ({ ...row, status: statuses.get(row.stream) }))
      .filter(({ status }) => status?.live)
      .map((row) => ({
        ...row,
        key: showKey(row.stream, row.status.startedAt),
      }))
      .find(
        ({ key }) =>
          !this.liveShowStatus.dismissed.has(key) &&
          !isDismissed(storage(), key)
      );
    const topic = live
      ? await this.liveShowStatus.showTopic(live.key, live.tags)
      : null;
    if (this.isDestroying || this.isDestroyed) {
      return;
    }
    this.show =
      live && topic
        ? {
            key: live.key,
            title: topic.title,
            url: getURL(`/t/${topic.slug}/${topic.id}`),
            topicId: topic.id,
          }
        : null;
  };
  dismiss = () => {
    if (!this.show) {
      return;
    }
    this.liveShowStatus.dismissed.add(this.show.key);
    rememberDismissed(storage(), this.show.key);
    this.show = null;
    // The focused button goes away: keep keyboard users in the page, at its main content.
    const main = document.getElementById("main-container");
    if (main) {
      main.setAttribute("tabindex", main.getAttribute("tabindex") ?? "-1");
      main.focus({ preventScroll: true });
    }
  };
  /** @type {ReturnType<typeof setInterval> | undefined} */
  #timer;

  constructor(owner, args) {
    super(owner, args);
    this.refresh();
    this.#timer = setInterval(this.refresh, REFRESH_MS);
    this.router.on("routeDidChange", this.refresh);
  }

  willDestroy() {
    super.willDestroy();
    clearInterval(this.#timer);
    this.router.off("routeDidChange", this.refresh);
  }

  /** Reading the show's topic already: no notice there. */
  get onShowTopic() {
    const match = /^\/t\/[^/]+\/(\d+)/.exec(this.router.currentURL ?? "");
    return match !== null && Number(match[1]) === this.show?.topicId;
  }

  get visible() {
    return this.show !== null && !this.onShowTopic;
  }

  <template>
    {{#if this.visible}}
      <div
        class="live-show-notice"
        role="status"
        aria-label={{i18n (themePrefix "live_shows.notice.region")}}
      >
        <a class="live-show-notice__link" href={{this.show.url}}>
          <span class="live-show-notice__mark" aria-hidden="true"></span>
          <span class="live-show-notice__label">{{i18n
              (themePrefix "live_shows.notice.live_now")
            }}</span>
          <span class="live-show-notice__title">{{this.show.title}}</span>
        </a>
        <button
          type="button"
          class="btn btn-flat live-show-notice__dismiss"
          aria-label={{i18n (themePrefix "live_shows.notice.dismiss")}}
          title={{i18n (themePrefix "live_shows.notice.dismiss")}}
          {{on "click" this.dismiss}}
        >×</button>
      </div>
    {{/if}}
  </template>
}

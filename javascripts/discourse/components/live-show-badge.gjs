import Component from "@glimmer/component";
import { tracked } from "@glimmer/tracking";
import { service } from "@ember/service";
import { i18n } from "discourse-i18n";
import { parseIngestBaseUrl } from "../lib/ingest-url";
import { findShowStream } from "../lib/show-tags";
import { isStreamLive } from "../lib/stream-statuses";

/**
 * Connector of the `topic-list-after-title` outlet (@outletArgs.topic): a LIVE badge while the
 * topic's show is live. Rows that are not shows ask nothing; the show rows of one list share one
 * status request (the live-show-status service).
 *
 * @extends {Component<{ Args: { outletArgs: { topic: { tags?: unknown[] } } } }>}
 */
export default class LiveShowBadge extends Component {
  @service liveShowStatus;

  @tracked live = false;

  constructor(owner, args) {
    super(owner, args);
    const stream = findShowStream(
      args.outletArgs?.topic?.tags,
      settings.show_streams
    );
    if (!stream) {
      return;
    }
    const ingest = parseIngestBaseUrl(
      settings.ingest_base_url,
      window.location.protocol
    );
    if (!ingest.ok) {
      return;
    }
    this.liveShowStatus.statuses(ingest.url).then((statuses) => {
      if (!this.isDestroying && !this.isDestroyed) {
        this.live = isStreamLive(statuses, stream);
      }
    });
  }

  <template>
    {{#if this.live}}
      <span
        class="live-show-list-badge"
        title={{i18n (themePrefix "live_shows.badge.title")}}
      >{{i18n (themePrefix "live_shows.badge.label")}}</span>
    {{/if}}
  </template>
}

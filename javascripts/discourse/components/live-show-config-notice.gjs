import Component from "@glimmer/component";
import { service } from "@ember/service";
import { i18n } from "discourse-i18n";

/**
 * Shown in a show topic instead of the player when the settings are unusable (ingest base URL, or
 * the stream name of the matching show_streams row).
 * Staff learn what to fix; everyone else sees nothing.
 *
 * @extends {Component<{ Args: { problem: "missing" | "invalid" | "insecure" | "stream", stream: string | null } }>}
 */
export default class LiveShowConfigNotice extends Component {
  @service currentUser;

  get message() {
    switch (this.args.problem) {
      case "stream":
        return i18n(themePrefix("live_shows.config_notice.stream"), {
          stream: this.args.stream,
        });
      case "insecure":
        return i18n(themePrefix("live_shows.config_notice.insecure"));
      case "invalid":
        return i18n(themePrefix("live_shows.config_notice.invalid"));
      default:
        return i18n(themePrefix("live_shows.config_notice.missing"));
    }
  }

  <template>
    {{#if this.currentUser.staff}}
      {{! Inside core's inline outlet <span>: phrasing content only, laid out as blocks by the stylesheet. }}
      <span class="live-show-config-notice" role="status">
        <span class="live-show-config-notice__title">
          {{i18n (themePrefix "live_shows.config_notice.title")}}
        </span>
        <span class="live-show-config-notice__message">{{this.message}}</span>
        <span class="live-show-config-notice__audience">
          {{i18n (themePrefix "live_shows.config_notice.staff_only")}}
        </span>
      </span>
    {{/if}}
  </template>
}

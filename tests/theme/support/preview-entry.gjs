// Renders the theme's real components into a plain page (no Discourse), for real-browser tests and
// screenshots: window.PREVIEW carries the settings, translations and the topics to show.
import Application from "@ember/application";
import { hash } from "@ember/helper";
import { renderComponent } from "@ember/renderer";
import I18n, { setTranslations } from "discourse-i18n";
import { setForumOrigin } from "discourse/lib/ajax";
import { setLoadScriptImpl } from "discourse/lib/load-script";
import { resetSettings } from "discourse/lib/theme-settings-store";
import LiveShowBadge from "../../../javascripts/discourse/components/live-show-badge";
import LiveShowNotice from "../../../javascripts/discourse/components/live-show-notice";
import LiveShowTopicPlayer from "../../../javascripts/discourse/components/live-show-topic-player";
import LiveShowStatus from "../../../javascripts/discourse/services/live-show-status";

const { settings, translations, topic, listTopics } = window.PREVIEW;
resetSettings(settings);
setTranslations(translations);
I18n.currentBcp47Locale = navigator.language; // core: the forum's interface language
setForumOrigin(window.location.origin);
// Like core's loadScript: a classic <script> tag.
setLoadScriptImpl(
  (url) =>
    new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = url;
      script.onload = resolve;
      script.onerror = () => reject(new Error(`Failed to load ${url}`));
      document.head.append(script);
    })
);

// An app instance as owner, so components find their services as they do in Discourse.
const app = Application.create({ autoboot: false, rootElement: document.body, modules: {} });
await app.boot();
const owner = app.buildInstance();
owner.register("service:live-show-status", LiveShowStatus);
owner.register("service:current-user", null, { instantiate: false }); // an anonymous reader
await owner.boot();

if (settings.live_now_notice) {
  renderComponent(LiveShowNotice, { into: document.querySelector("#above-main-container"), owner });
}
renderComponent(<template><LiveShowTopicPlayer @outletArgs={{hash model=topic}} /></template>, {
  into: document.querySelector("#topic-above-posts"),
  owner,
});
for (const row of listTopics) {
  renderComponent(<template><LiveShowBadge @outletArgs={{hash topic=row}} /></template>, {
    into: document.querySelector(`[data-topic-id="${row.id}"] .after-title`),
    owner,
  });
}

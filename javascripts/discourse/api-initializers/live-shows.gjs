import { apiInitializer } from "discourse/lib/api";
import LiveShowBadge from "../components/live-show-badge";
import LiveShowNotice from "../components/live-show-notice";
import LiveShowTopicPlayer from "../components/live-show-topic-player";

// Only wiring: what to render where lives in the components.
export default apiInitializer((api) => {
  // Above the first post, and (unlike topic-above-post-stream) still rendered on deep links.
  api.renderInOutlet("topic-above-posts", LiveShowTopicPlayer);

  if (settings.live_badge_in_topic_lists) {
    // Next to the title in the topic list rows (desktop and mobile layouts), not a wrapper outlet.
    api.renderInOutlet("topic-list-after-title", LiveShowBadge);
  }

  if (settings.live_now_notice) {
    // Core's application template, on every page above the main container (next to core's notices).
    api.renderInOutlet("above-main-container", LiveShowNotice);
  }
});

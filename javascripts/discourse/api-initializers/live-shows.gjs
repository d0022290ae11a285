import { apiInitializer } from "discourse/lib/api";
import LiveShowBadge from "../components/live-show-badge";
import LiveShowTopicPlayer from "../components/live-show-topic-player";

// Only wiring: what to render where lives in the components.
export default apiInitializer((api) => {
  // Above the first post, and (unlike topic-above-post-stream) still rendered on deep links.
  api.renderInOutlet("topic-above-posts", LiveShowTopicPlayer);

  if (settings.live_badge_in_topic_lists) {
    // Next to the title in the topic list rows (desktop and mobile layouts), not a wrapper outlet.
    api.renderInOutlet("topic-list-after-title", LiveShowBadge);
  }
});

import Component from "@glimmer/component";
import { service } from "@ember/service";
import { isValidStreamName, parseIngestBaseUrl } from "../lib/ingest-url";
import { replaysForTopic } from "../lib/replays";
import { readShowEvent } from "../lib/show-schedule";
import { findShowStream, showRows } from "../lib/show-tags";
import LiveShowConfigNotice from "./live-show-config-notice";
import LiveShowPlayer from "./live-show-player";

/**
 * Connector of the `topic-above-posts` outlet (@outletArgs.model is the Topic). Core reuses this
 * instance when the reader moves to another topic, so everything derives from the current model.
 *
 * @typedef {{ id: number, created_at?: string, tags?: Array<string | { id: number, name: string, slug: string, original_name?: string }> }} Topic
 * @extends {Component<{ Args: { outletArgs: { model: Topic } } }>}
 */
export default class LiveShowTopicPlayer extends Component {
  @service liveShowStatus;

  get topic() {
    return this.args.outletArgs?.model;
  }

  get stream() {
    return findShowStream(this.topic?.tags, settings.show_streams);
  }

  /** The topic's calendar event, read from what the page already has (no request). */
  get event() {
    return readShowEvent(this.topic);
  }

  /**
   * The player's replay selection for this topic (lib/replays.js decides), or null when replays are
   * off. Asks the forum once when the next topic of the show was created.
   */
  get selectReplays() {
    const topic = this.topic;
    const stream = this.stream;
    if (!settings.show_replays || !topic?.created_at || !stream) {
      return null;
    }
    const tags = showRows(settings.show_streams)
      .filter((row) => row.stream === stream)
      .flatMap((row) => row.tags);
    const createdAt = topic.created_at;
    const created = { id: topic.id, created_at: createdAt };
    return async (/** @type {unknown} */ body) =>
      replaysForTopic(body, {
        topicCreatedAt: createdAt,
        nextTopicCreatedAt: await this.liveShowStatus.nextShowTopicAt(
          tags,
          created
        ),
      });
  }

  get ingest() {
    return parseIngestBaseUrl(
      settings.ingest_base_url,
      window.location.protocol
    );
  }

  get baseUrl() {
    const ingest = this.ingest;
    return ingest.ok ? ingest.url : null;
  }

  /** What keeps the player from working, for the staff notice; null when all is well. */
  get problem() {
    if (!this.ingest.ok) {
      return this.ingest.problem;
    }
    return isValidStreamName(this.stream ?? "") ? null : "stream";
  }

  <template>
    {{#if this.stream}}
      {{#if this.problem}}
        <LiveShowConfigNotice
          @problem={{this.problem}}
          @stream={{this.stream}}
        />
      {{else if this.baseUrl}}
        <LiveShowPlayer
          @baseUrl={{this.baseUrl}}
          @stream={{this.stream}}
          @topicId={{this.topic.id}}
          @event={{this.event}}
          @selectReplays={{this.selectReplays}}
        />
      {{/if}}
    {{/if}}
  </template>
}

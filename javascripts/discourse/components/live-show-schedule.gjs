import Component from "@glimmer/component";
import { tracked } from "@glimmer/tracking";
import { service } from "@ember/service";
import { modifier } from "ember-modifier";
import I18n, { i18n } from "discourse-i18n";
import {
  formatStart,
  msUntilNextChange,
  schedulePhase,
  splitRemaining,
  usableTimeZone,
} from "../lib/show-schedule";

// setTimeout fires at once for delays past 2^31 - 1 ms (24.8 days): wake up hourly instead.
const MAX_DELAY_MS = 60 * 60 * 1000;

function remainingText({ days, hours, minutes }) {
  if (days > 0) {
    return i18n(themePrefix("live_shows.schedule.remaining.days"), {
      days,
      hours,
    });
  }
  if (hours > 0) {
    return i18n(themePrefix("live_shows.schedule.remaining.hours"), {
      hours,
      minutes,
    });
  }
  return i18n(themePrefix("live_shows.schedule.remaining.minutes"), {
    minutes,
  });
}

/**
 * Over the player while the stream is offline and the topic has an event: when the show starts in
 * the reader's time zone and locale, counting down; "Starting soon…" from the start time until the
 * performer is live; the ended text after the event's end.
 *
 * @extends {Component<{ Args: { event: import("../lib/show-schedule").ShowEvent, endedText: string } }>}
 */
export default class LiveShowSchedule extends Component {
  @service currentUser;

  @tracked now = Date.now();

  // Re-renders exactly when the text changes (next minute, start, end); a new @event restarts it.
  tick = modifier(
    /**
     * @param {Element} _element
     * @param {[import("../lib/show-schedule").ShowEvent]} positional
     */
    (_element, [event]) => {
      let timer = null;
      const schedule = () => {
        this.now = Date.now();
        const delay = msUntilNextChange(event, this.now);
        if (delay !== null) {
          timer = setTimeout(schedule, Math.min(delay, MAX_DELAY_MS));
        }
      };
      schedule();
      return () => clearTimeout(timer);
    }
  );

  get phase() {
    return schedulePhase(this.args.event, this.now);
  }

  get startsAtIso() {
    return this.args.event.startsAt.toISOString();
  }

  get text() {
    switch (this.phase) {
      case "upcoming": {
        const { date, time } = formatStart(
          this.args.event.startsAt,
          I18n.currentBcp47Locale,
          usableTimeZone(this.currentUser?.user_option?.timezone)
        );
        const remaining = remainingText(
          splitRemaining(this.args.event.startsAt.getTime() - this.now)
        );
        return i18n(themePrefix("live_shows.schedule.upcoming"), {
          date,
          time,
          remaining,
        });
      }
      case "starting":
        return i18n(themePrefix("live_shows.schedule.starting"));
      default:
        return this.args.endedText;
    }
  }

  get upcoming() {
    return this.phase === "upcoming";
  }

  get over() {
    return this.phase === "over";
  }

  <template>
    {{! Phrasing content only: it sits inside core's inline outlet <span> (see live-show-player). }}
    <span
      class="live-show-schedule"
      data-phase={{this.phase}}
      {{this.tick @event}}
    >
      <span class="live-show-schedule__text">
        {{#if this.upcoming}}
          <time datetime={{this.startsAtIso}}>{{this.text}}</time>
        {{else}}
          {{this.text}}
        {{/if}}
      </span>
      {{#unless this.over}}
        <span class="live-show-schedule__hint">{{i18n
            (themePrefix "live_shows.schedule.hint")
          }}</span>
      {{/unless}}
    </span>
  </template>
}

// Where the recorder plugs into the hub: every stream the registry creates is one show (reconnects
// within the grace period included), its source rendition's closed segments are recorded, and its
// end ends the recording.
import type { SegmentClosed } from "../hls/packager-events.js";
import type { LiveStream } from "../streams/live-stream.js";
import { SOURCE_RENDITION } from "../streams/live-stream.js";
import type { StreamRegistry } from "../streams/registry.js";
import type { ClosedSegment } from "./closed-segment.js";
import type { Recorder, ShowRecorder } from "./recorder.js";

export function toClosedSegment(segment: SegmentClosed): ClosedSegment {
  return {
    msn: segment.msn,
    bytes: segment.bytes,
    durationS: segment.duration,
    initId: segment.initId,
    initBytes: segment.init,
    discontinuity: segment.discontinuity,
    programDateTime: segment.programDateTime,
  };
}

export function recordStreams(registry: StreamRegistry, recorder: Recorder): void {
  const shows = new WeakMap<LiveStream, ShowRecorder>();
  registry.on("stream", (stream) => {
    const show = recorder.show(stream.name);
    shows.set(stream, show);
    stream.renditions.get(SOURCE_RENDITION)?.on("segment", (segment) => show.segment(toClosedSegment(segment)));
  });
  registry.on("ended", (stream) => {
    void shows.get(stream)?.end();
    shows.delete(stream);
  });
}

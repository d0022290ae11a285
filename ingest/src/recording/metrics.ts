import { Counter, Gauge, type Registry } from "prom-client";

export type RecordingErrorReason = "low-space" | "no-space" | "permission" | "backlog" | "other";

/** The recorder's Prometheus metrics (in the app's registry). */
export class RecordingMetrics {
  readonly count: Gauge;
  readonly bytes: Gauge;
  readonly freeBytes: Gauge;
  readonly paused: Gauge;
  readonly errors: Counter<"reason">;
  readonly deleted: Counter<"reason">;

  constructor(registry: Registry) {
    const registers = [registry];
    this.count = new Gauge({ name: "live_recordings", help: "Recordings on disk (the ones in progress included)", registers });
    this.bytes = new Gauge({ name: "live_recordings_bytes", help: "Bytes of all recordings on disk (init and media segments)", registers });
    this.freeBytes = new Gauge({
      name: "live_recordings_free_bytes",
      help: "Free bytes on the file system holding the recordings, as of the last segment written or checked",
      registers,
    });
    this.paused = new Gauge({
      name: "live_recordings_paused",
      help: "Shows whose recording is paused (free space below the floor, or writes failing); their live stream continues",
      registers,
    });
    this.errors = new Counter({
      name: "live_recording_errors_total",
      help: "Segments not recorded (low-space: below the free-space floor; no-space: ENOSPC/EDQUOT; permission: EACCES/EPERM/EROFS; backlog: the disk fell 30 segments behind; other)",
      labelNames: ["reason"],
      registers,
    });
    this.deleted = new Counter({
      name: "live_recordings_deleted_total",
      help: "Recordings deleted by retention (age or total size)",
      labelNames: ["reason"],
      registers,
    });
    for (const reason of ["low-space", "no-space", "permission", "backlog", "other"] satisfies RecordingErrorReason[])
      this.errors.inc({ reason }, 0);
    for (const reason of ["age", "size"]) this.deleted.inc({ reason }, 0);
  }
}

export function errorReason(error: unknown): RecordingErrorReason {
  switch ((error as NodeJS.ErrnoException).code) {
    case "ENOSPC":
    case "EDQUOT":
      return "no-space";
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return "permission";
    default:
      return "other";
  }
}

// Composition root: KeyStore -> RtmpServer -> StreamRegistry (muxer + packager per stream) -> HttpServer.
// No ffmpeg is needed to serve live streams as sent; renditions (transcode/) and recordings' MP4 export resolve it when needed.
import type { AddressInfo } from "node:net";
import path from "node:path";
import { collectDefaultMetrics, Gauge, Registry } from "prom-client";
import { AccessGuard, misconfiguration } from "./access/access-guard.js";
import { formatAccessMode } from "./access/access-mode.js";
import { cookieScope } from "./access/cookie-scope.js";
import { readSecretFile } from "./access/secret-file.js";
import { DiscourseSignIn } from "./access/sign-in.js";
import { StreamAccessTable } from "./access/stream-access.js";
import type { Config } from "./config.js";
import { lockDataDir } from "./disk/data-dir-lock.js";
import type { HeldLock } from "./disk/lock-file.js";
import { HttpServer, type HttpTimeouts } from "./http/server.js";
import { ViewerCounter } from "./http/viewer-counter.js";
import { KeyStore, RevocationWatch } from "./keys/index.js";
import type { Logger } from "./logger.js";
import { killAllChildren } from "./media/child-registry.js";
import { resolveFfmpeg } from "./media/ffmpeg-path.js";
import type { RtmpLimits } from "./rtmp/limits.js";
import { Recorder, type RecorderOptions } from "./recording/recorder.js";
import { recordStreams } from "./recording/record-streams.js";
import { RecordingLibrary } from "./recording/recording-library.js";
import { RecordingStore } from "./recording/recording-store.js";
import { RecordingSwitches } from "./recording/recording-switches.js";
import { RtmpServer } from "./rtmp/server.js";
import { MsnReservations } from "./streams/msn-reservations.js";
import { StreamRegistry, type StreamRegistryOptions } from "./streams/registry.js";
import { parseRenditionList } from "./transcode/rendition-ladder.js";
import { Transcoding } from "./transcode/transcoding.js";

export interface RunningIngest {
  /** Graceful stop (idempotent): every stream's last part and ENDLIST, RTMP sessions, then HTTP. */
  close(): Promise<void>;
  rtmpPort: number;
  httpPort: number;
  /** Where each server is bound (config.host and config.httpHost, resolved by the OS). */
  rtmpAddress: AddressInfo;
  httpAddress: AddressInfo;
  registry: StreamRegistry;
  metricsRegistry: Registry;
  /** Absent when recording is off for the whole ingest (--recordings off). */
  recorder: Recorder | undefined;
  recordings: RecordingLibrary;
  /** Transcoded renditions (--renditions, keys renditions). */
  transcoding: Transcoding;
}

/** For tests and embedding: knobs the CLI does not expose. */
export interface IngestOverrides {
  registry?: Partial<Pick<StreamRegistryOptions, "endedRetainS" | "packager" | "clock">>;
  http?: { firstPartWaitMs?: number; timeouts?: Partial<HttpTimeouts> };
  recorder?: Partial<Pick<RecorderOptions, "freeSpace" | "sweepEveryMs" | "clock">>;
}

const MIB = 1024 * 1024;

/** Where recordings live: <data-dir>/recordings. */
export function recordingsRoot(config: Config): string {
  return path.join(config.dataDir, "recordings");
}

// Shutdown budget (main.ts allows 5 s in all): RTMP sessions, recordings' ffmpeg exports, then HTTP.
const RTMP_CLOSE_MS = 1_000;
const HTTP_CLOSE_GRACE_MS = 1_500;

/** The config's RTMP options, one timeout per phase of a connection (handshake, publish setup, media), by the same names. */
function rtmpLimits(config: Config): Partial<RtmpLimits> {
  return {
    handshakeTimeoutMs: config.handshakeTimeoutMs,
    publishTimeoutMs: config.publishTimeoutMs,
    idleTimeoutMs: config.idleTimeoutMs,
    maxConnections: config.maxConnections,
    maxConnectionsPerAddress: config.maxConnectionsPerAddress,
    maxMessageBytes: config.maxMessageBytes,
  };
}

export async function startIngest(config: Config, logger: Logger, overrides: IngestOverrides = {}): Promise<RunningIngest> {
  // Before anything else: a second ingest on this data folder stops here (DataDirInUseError names the first).
  const dataDirLock = await lockDataDir(config.dataDir, { rtmpPort: config.rtmpPort, httpPort: config.httpPort });
  try {
    return await startLocked(config, logger, overrides, dataDirLock);
  } catch (error) {
    await dataDirLock.release();
    throw error;
  }
}

async function startLocked(config: Config, logger: Logger, overrides: IngestOverrides, dataDirLock: HeldLock): Promise<RunningIngest> {
  const keys = new KeyStore({ file: config.keys, logger: logger.child({ component: "keys" }) });
  // Unreadable or malformed: refuse to start (KeysFileError names the file and the problem).
  await keys.check();
  const { access, signIn, accessTable } = await startAccess(config, keys, logger);

  const metricsRegistry = new Registry();
  collectDefaultMetrics({ register: metricsRegistry });
  const store = new RecordingStore(recordingsRoot(config));
  const recorder =
    config.recordings === "on"
      ? new Recorder({
          ...overrides.recorder,
          store,
          switches: new RecordingSwitches(store.root),
          retention: { maxAgeMs: config.recordingsMaxAgeDays * 86_400_000, maxBytes: config.recordingsMaxMb * MIB },
          minFreeBytes: config.recordingsMinFreeMb * MIB,
          logger,
          metricsRegistry,
        })
      : undefined;
  // The live show must not depend on the disk: a recorder that cannot start logs why and records nothing
  // it cannot write (each segment's failure is a warning, not a crash).
  await recorder?.start().catch((error: unknown) => logger.error({ err: error, dir: store.root }, "recordings folder unusable"));
  const recordings = new RecordingLibrary({ store, ...(recorder ? { recorder } : {}), logger });
  const msnReservations = await MsnReservations.load({ dataDir: config.dataDir, logger });
  const registry = new StreamRegistry({
    ...overrides.registry,
    msnReservations,
    partMs: config.partMs,
    windowSegments: config.windowSegments,
    graceS: config.graceS,
    takeoverMs: config.takeoverMs,
    logger,
    metricsRegistry,
  });
  if (recorder) recordStreams(registry, recorder);
  const transcoding = new Transcoding({
    registry,
    defaults: parseRenditionList(config.renditions)!,
    maxTranscodes: config.maxTranscodes,
    partMs: config.partMs,
    loadSettings: () => keys.renditionSettings(),
    findFfmpeg: () => resolveFfmpeg(),
    logger,
    metricsRegistry,
  });
  await transcoding.start();
  const http = new HttpServer({
    host: config.httpHost,
    port: config.httpPort,
    allowOrigin: config.allowOrigin,
    logger,
    directory: registry,
    viewers: new ViewerCounter({ maxIdsPerAddress: config.viewersPerAddress }),
    trustedProxies: config.trustedProxies,
    metricsRegistry,
    recordings,
    timeouts: { closeGraceMs: HTTP_CLOSE_GRACE_MS, ...overrides.http?.timeouts },
    access: access.policy,
    accessMode: (stream) => access.describe(stream),
    ...(signIn ? { signIn } : {}),
    ...(overrides.http?.firstPartWaitMs !== undefined ? { firstPartWaitMs: overrides.http.firstPartWaitMs } : {}),
  });
  const rtmp = new RtmpServer({
    host: config.host,
    port: config.rtmpPort,
    app: config.app,
    limits: rtmpLimits(config),
    logger,
    authenticate: (key) => keys.authenticate(key),
    onPublish: (publish, wanted) => registry.claim(publish, wanted),
  });
  new Gauge({
    name: "live_rtmp_connections",
    help: "Open RTMP connections",
    registers: [metricsRegistry],
    collect() {
      this.set(rtmp.connectionCount);
    },
  });

  // `keys revoke` / `keys add` on a running show: its publish ends within about a second.
  const revocations = new RevocationWatch({
    keys,
    publishes: () => registry.list().flatMap((stream) => registry.publisherOf(stream.name) ?? []),
    logger,
  });

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      logger.info("ingest closing");
      await revocations.close();
      // The registry refuses new publishes from here on, lets go of every publisher (each stream's last part
      // goes out) and ends every playlist: held viewers get their answer before HTTP closes.
      await registry.close();
      transcoding.close();
      await rtmp.close(RTMP_CLOSE_MS);
      // Every show's last segment is in: each recording in progress gets its end.
      await recorder?.close();
      const killed = killAllChildren();
      if (killed > 0) logger.warn({ killed }, "killed ffmpeg exports that did not exit in time");
      await http.close();
      await dataDirLock.release();
      accessTable.close();
      logger.info("ingest closed");
    })());

  let httpPort: number;
  let rtmpPort: number;
  try {
    httpPort = await http.start();
    rtmpPort = await rtmp.start();
    await dataDirLock.update({ rtmpPort, httpPort });
    revocations.start();
  } catch (error) {
    await close();
    throw error;
  }
  return {
    close,
    rtmpPort,
    httpPort,
    rtmpAddress: rtmp.address!,
    httpAddress: http.address!,
    registry,
    metricsRegistry,
    recorder,
    recordings,
    transcoding,
  };
}

/**
 * Members-only streams: the DiscourseConnect sign-in (when --discourse-url is set) and the per-stream
 * access table. Refuses to start when a stream is protected but cannot be (no sign-in configured, or
 * --allow-origin "*"); the same condition arising later, from `keys access`, makes that stream answer 503.
 */
async function startAccess(config: Config, keys: KeyStore, logger: Logger) {
  const log = logger.child({ component: "access" });
  let signIn: DiscourseSignIn | undefined;
  if (config.discourseUrl && config.discourseConnectSecretFile && config.publicUrl) {
    const secret = await readSecretFile(config.discourseConnectSecretFile);
    signIn = new DiscourseSignIn({
      discourseUrl: config.discourseUrl,
      ingestUrl: config.publicUrl,
      secret,
      sessionLifetimeS: config.sessionHours * 3600,
      logger,
    });
    const scope = cookieScope(config.discourseUrl, config.publicUrl);
    if (!scope.shared) {
      log.warn(
        { discourseUrl: config.discourseUrl, publicUrl: config.publicUrl, reason: scope.reason },
        "the session cookie will not reach the ingest from the forum's pages: put the ingest on the forum's host or a sibling subdomain",
      );
    }
    const forumOrigin = new URL(config.discourseUrl).origin;
    if (config.allowOrigin !== "*" && config.allowOrigin !== forumOrigin) {
      log.warn(
        { allowOrigin: config.allowOrigin, forumOrigin },
        "--allow-origin is not the forum's origin: players on the forum cannot send their session",
      );
    }
  }
  const problem = misconfiguration({ signIn, allowOrigin: config.allowOrigin });
  const accessTable = new StreamAccessTable({
    load: () => keys.accessModes(),
    logger: log,
    onChange: (modes) => {
      if (problem && modes.size > 0)
        log.error({ problem, streams: [...modes.keys()] }, "protected streams answer 503 until the configuration is fixed");
    },
  });
  await accessTable.start();
  const protectedStreams = [...accessTable.all()].map(([stream, mode]) => `${stream} (${formatAccessMode(mode)})`);
  if (problem && protectedStreams.length > 0) {
    accessTable.close();
    throw new Error(`members-only streams ${protectedStreams.join(", ")} cannot be protected: ${problem}`);
  }
  const access = new AccessGuard({
    modeOf: (stream) => accessTable.modeOf(stream),
    signIn,
    discourseUrl: config.discourseUrl,
    allowOrigin: config.allowOrigin,
    logger: log,
  });
  return { access, signIn, accessTable };
}

// OBS Studio's configuration files for a headless run (`npm run check:obs`): a profile that streams to a Custom
// RTMP server with the simple output mode's x264, and a scene collection with one looping media source (video and
// audio). Written into a temporary XDG_CONFIG_HOME, so the user's own OBS settings are never read or touched.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

export interface ObsSettings {
  /** OBS's "Server" field, e.g. rtmp://127.0.0.1:1935/live. */
  server: string;
  streamKey: string;
  /** A media file OBS loops as the only source (its audio is the stream's audio). */
  mediaFile: string;
  width: number;
  height: number;
  fps: number;
  videoKbps: number;
  audioKbps: number;
  keyframeIntervalS: number;
  /** x264 tune, e.g. "zerolatency" (no B-frames); null for x264's default. */
  tune: string | null;
}

/** Profile and scene collection name (`--profile`, `--collection`). */
export const OBS_PROFILE = "live-shows-check";

function ini(sections: Record<string, Record<string, string | number | boolean>>): string {
  return Object.entries(sections)
    .map(
      ([name, keys]) =>
        `[${name}]\n${Object.entries(keys)
          .map(([k, v]) => `${k}=${String(v)}\n`)
          .join("")}`,
    )
    .join("\n");
}

/** Writes <configHome>/obs-studio/{global.ini, basic/profiles/…, basic/scenes/…}. */
export function writeObsConfig(configHome: string, s: ObsSettings): void {
  const obsDir = path.join(configHome, "obs-studio");
  const profileDir = path.join(obsDir, "basic", "profiles", OBS_PROFILE);
  const scenesDir = path.join(obsDir, "basic", "scenes");
  mkdirSync(profileDir, { recursive: true });
  mkdirSync(scenesDir, { recursive: true });
  mkdirSync(path.join(obsDir, "plugin_config", "obs-websocket"), { recursive: true });

  // FirstRun=true skips the auto-configuration wizard; no tray icon, so --minimize-to-tray keeps the window shown.
  writeFileSync(
    path.join(obsDir, "global.ini"),
    ini({
      General: { FirstRun: true, LastVersion: 0x7fffffff, EnableAutoUpdates: false, ConfirmOnExit: false },
      BasicWindow: { WarnBeforeStartingStream: false, WarnBeforeStoppingStream: false, SysTrayEnabled: false },
      Basic: {
        Profile: OBS_PROFILE,
        ProfileDir: OBS_PROFILE,
        SceneCollection: OBS_PROFILE,
        SceneCollectionFile: OBS_PROFILE,
      },
    }),
  );
  writeFileSync(
    path.join(obsDir, "plugin_config", "obs-websocket", "config.json"),
    JSON.stringify({ first_load: false, server_enabled: false, alerts_enabled: false }),
  );

  // Simple output mode has no keyframe field for a Custom server: the x264 options string sets it, and the tune.
  writeFileSync(
    path.join(profileDir, "basic.ini"),
    ini({
      General: { Name: OBS_PROFILE },
      Output: { Mode: "Simple", Reconnect: true, RetryDelay: 2, MaxRetries: 5 },
      SimpleOutput: {
        StreamEncoder: "x264",
        VBitrate: s.videoKbps,
        ABitrate: s.audioKbps,
        UseAdvanced: true,
        Preset: "veryfast",
        x264Settings: `keyint=${s.keyframeIntervalS * s.fps}${s.tune ? ` tune=${s.tune}` : ""}`,
        FilePath: configHome,
        RecFormat: "mkv",
      },
      Video: {
        BaseCX: s.width,
        BaseCY: s.height,
        OutputCX: s.width,
        OutputCY: s.height,
        FPSType: 0,
        FPSCommon: s.fps,
      },
      Audio: { SampleRate: 48000, ChannelSetup: "Stereo" },
    }),
  );
  writeFileSync(
    path.join(profileDir, "service.json"),
    JSON.stringify({ type: "rtmp_custom", settings: { server: s.server, key: s.streamKey, use_auth: false, bwtest: false } }),
  );

  const media = "Test clip";
  writeFileSync(
    path.join(scenesDir, `${OBS_PROFILE}.json`),
    JSON.stringify({
      name: OBS_PROFILE,
      current_scene: "Scene",
      current_program_scene: "Scene",
      scene_order: [{ name: "Scene" }],
      groups: [],
      transitions: [],
      current_transition: "Fade",
      transition_duration: 300,
      sources: [
        {
          id: "ffmpeg_source",
          versioned_id: "ffmpeg_source",
          name: media,
          enabled: true,
          muted: false,
          volume: 1,
          mixers: 0xff,
          monitoring_type: 0,
          settings: {
            is_local_file: true,
            local_file: s.mediaFile,
            looping: true,
            restart_on_activate: false,
            close_when_inactive: false,
            hw_decode: false,
          },
        },
        {
          id: "scene",
          versioned_id: "scene",
          name: "Scene",
          enabled: true,
          mixers: 0,
          settings: {
            id_counter: 1,
            custom_size: false,
            items: [
              {
                name: media,
                id: 1,
                visible: true,
                locked: false,
                pos: { x: 0, y: 0 },
                rot: 0,
                scale: { x: 1, y: 1 },
                align: 5,
                bounds_type: 0,
                bounds_align: 0,
                bounds: { x: 0, y: 0 },
              },
            ],
          },
        },
      ],
    }),
  );
}

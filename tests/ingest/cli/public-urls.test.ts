import type { NetworkInterfaceInfo } from "node:os";
import { describe, expect, it } from "vitest";
import { publicUrls } from "../../../ingest/src/cli/public-urls.js";
import { loadConfig, type Config } from "../../../ingest/src/config.js";

function config(argv: string[]): Config {
  const result = loadConfig(argv, {});
  if (!result.ok || result.help) throw new Error(`bad config ${argv.join(" ")}`);
  return result.config;
}

const external: NetworkInterfaceInfo = {
  address: "192.0.2.7",
  netmask: "255.255.255.0",
  family: "IPv4",
  mac: "00:00:00:00:00:00",
  internal: false,
  cidr: "192.0.2.7/24",
};
const interfaces = { eth0: [external] };

describe("publicUrls", () => {
  it.each<[string[], string, string]>([
    [[], "rtmp://192.0.2.7:1935/live", "http://192.0.2.7:8080/live/"],
    [["--host", "10.0.0.5"], "rtmp://10.0.0.5:1935/live", "http://10.0.0.5:8080/live/"],
    [["--http-host", "127.0.0.1"], "rtmp://192.0.2.7:1935/live", "http://127.0.0.1:8080/live/"],
    [["--host", "::", "--http-host", "::1"], "rtmp://192.0.2.7:1935/live", "http://[::1]:8080/live/"],
    [
      ["--http-host", "127.0.0.1", "--public-url", "https://live.example.org"],
      "rtmp://live.example.org:1935/live",
      "https://live.example.org/live/",
    ],
  ])("%j", (argv, rtmpServer, liveBase) => {
    expect(publicUrls(config(argv), interfaces)).toEqual({ rtmpServer, liveBase });
  });
});

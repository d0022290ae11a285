// Our ingest behind Varnish with the shipped VCL (ingest/deploy/varnish/live-shows.vcl), both on this machine:
// the setup the README recommends for big audiences. Viewers talk to Varnish, which asks the ingest about
// once per URL; /metrics stays the ingest's, so it shows what reaches the origin.
import { freePort, renderShipped } from "../../tests/proxy/support/shipped.js";
import { Varnish } from "../../tests/proxy/support/varnish.js";
import { registerCleanup } from "./child-processes.js";
import type { OurIngest } from "./our-ingest.js";
import type { SystemUnderTest } from "./systems.js";

export class VarnishFrontedIngest implements SystemUnderTest {
  private varnish: Varnish | undefined;
  private port = 0;
  private readonly unregister = registerCleanup(() => this.close());

  constructor(private readonly ingest: OurIngest) {}

  get pids(): number[] {
    if (!this.varnish) throw new Error("varnish not started");
    return [this.ingest.pid, this.varnish.pid];
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/live`;
  }

  get metricsUrl(): string {
    return this.ingest.metricsUrl;
  }

  get sessionCookie(): string | undefined {
    return this.ingest.sessionCookie;
  }

  publishUrl(stream: string): string {
    return this.ingest.publishUrl(stream);
  }

  async start(): Promise<void> {
    await this.ingest.start();
    this.varnish = await Varnish.create();
    this.port = await freePort();
    const vcl = await renderShipped("varnish/live-shows.vcl", [['.port = "8080";', `.port = "${this.ingest.httpPort}";`]]);
    await this.varnish.start(vcl, this.port);
  }

  waitForPlaylist(stream: string, segments: number, timeoutMs: number): Promise<string> {
    return this.ingest.waitForPlaylist(stream, segments, timeoutMs);
  }

  async close(): Promise<void> {
    this.unregister();
    await this.varnish?.stop();
    await this.ingest.close();
  }
}

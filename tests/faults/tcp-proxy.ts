// A TCP relay between a publisher and the ingest that a test can break the way networks break: silently
// (nothing arrives any more, no FIN or RST reaches the ingest) or with a reset.
import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";

interface Pair {
  client: Socket;
  upstream: Socket;
  dead: boolean;
}

export class TcpProxy {
  private readonly server: Server;
  private readonly pairs = new Set<Pair>();

  constructor(private readonly targetPort: number) {
    this.server = createServer((client) => {
      const upstream = connect(this.targetPort, "127.0.0.1");
      const pair: Pair = { client, upstream, dead: false };
      this.pairs.add(pair);
      client.setNoDelay(true);
      upstream.setNoDelay(true);
      client.on("data", (d: Buffer) => void (pair.dead || upstream.write(d)));
      upstream.on("data", (d: Buffer) => void (pair.dead || client.write(d)));
      client.on("error", () => {});
      upstream.on("error", () => {});
      client.on("close", () => pair.dead || upstream.destroy());
      upstream.on("close", () => pair.dead || client.destroy());
    });
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return (this.server.address() as AddressInfo).port;
  }

  /** The link dies silently: the publisher gets a reset, the ingest's socket stays open and hears nothing more. */
  blackhole(): void {
    for (const pair of this.pairs) {
      pair.dead = true;
      pair.client.resetAndDestroy();
    }
  }

  /** Both ends get a TCP reset (RST), as when a NAT or firewall drops the connection actively. */
  reset(): void {
    for (const pair of this.pairs) {
      pair.dead = true;
      pair.upstream.resetAndDestroy();
      pair.client.resetAndDestroy();
    }
    this.pairs.clear();
  }

  close(): Promise<void> {
    for (const pair of this.pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    this.pairs.clear();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

// A real HTTP server on loopback standing in for the ingest's /live/status.json.
import { createServer } from "node:http";

/**
 * @param {() => { status?: number, body: unknown }} respond called per request
 */
export async function startStatusServer(respond) {
  const requests = [];
  const server = createServer((req, res) => {
    requests.push(req.url);
    const { status = 200, body } = respond(req.url);
    res.writeHead(status, { "content-type": "application/json", "access-control-allow-origin": "*" });
    res.end(JSON.stringify(body));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    baseUrl: `http://127.0.0.1:${port}/live`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}

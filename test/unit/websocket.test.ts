import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { WebSocketTransport } from "../../src/transport/websocket.js";
import type { TransportSink } from "../../src/transport/transport.js";

describe("WebSocketTransport.close", () => {
  it("leaves no socket behind when called while the ws package still loads", async () => {
    const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await once(server, "listening");
    let connections = 0;
    server.on("connection", (socket) => {
      connections++;
      socket.send('{"method":"hello","params":{}}');
      socket.on("message", (data) => socket.send(String(data)));
    });
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      const events: string[] = [];
      const closed = new WebSocketTransport({ url, shownUrl: url });
      closed.start({
        line: (line) => events.push(`line ${line}`),
        writeFailed: (err) => events.push(`writeFailed ${err.message}`),
        closed: () => events.push("closed"),
      });
      await closed.close();

      // A second transport's round trip: a socket the first made after its close would have
      // reached the server first, and been greeted.
      const other = new WebSocketTransport({ url, shownUrl: url });
      const echoed = new Promise<void>((resolve) => {
        const sink: TransportSink = {
          line: (line) => {
            if (line.includes("ping")) resolve();
          },
          writeFailed: () => {},
          closed: () => {},
        };
        other.start(sink);
      });
      other.send('{"method":"ping"}');
      await echoed;
      await other.close();

      expect(events).toEqual(["closed"]);
      expect(connections).toBe(1);
    } finally {
      for (const client of server.clients) client.terminate();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("WebSocketTransport.start", () => {
  it("reports what the ws client throws as the end of the connection", async () => {
    // ws refuses a URL with a fragment by throwing from its constructor.
    const transport = new WebSocketTransport({ url: "ws://127.0.0.1:1/#x", shownUrl: "ws://h" });
    const reasons: string[] = [];
    const ended = new Promise<void>((resolve) =>
      transport.start({
        line: () => {},
        writeFailed: () => {},
        closed: (info) => {
          reasons.push(info.reason ?? "");
          resolve();
        },
      }),
    );
    await ended;
    expect(reasons).toEqual([
      "connection to codex app-server at ws://h failed: The URL contains a fragment identifier",
    ]);
  });
});

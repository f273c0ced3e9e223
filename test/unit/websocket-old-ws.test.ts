// The oldest `ws` the peer range takes (8.17, 8.18) has no `closeTimeout` option, and waits 30 s
// for the answer to its close frame: `close()` keeps its bound by dropping the socket itself. The
// installed `ws` is made to ignore the option here, as those versions do.
import { afterEach, expect, it, vi } from "vitest";

vi.mock("ws", async (importOriginal) => {
  const real = await importOriginal<typeof import("ws")>();
  class OldWebSocket extends real.default {
    constructor(address: string, protocols?: unknown, options?: Record<string, unknown>) {
      const optionsOnly =
        options === undefined &&
        typeof protocols === "object" &&
        protocols !== null &&
        !Array.isArray(protocols);
      const given = (optionsOnly ? protocols : options) as Record<string, unknown> | undefined;
      const { closeTimeout: _ignored, ...rest } = given ?? {};
      if (optionsOnly) super(address, rest as never);
      else super(address, protocols as never, rest as never);
    }
  }
  return { ...real, default: OldWebSocket, WebSocket: OldWebSocket };
});

const { WebSocketTransport } = await import("../../src/transport/websocket.js");
const { closeScriptedServers, scriptedServer } = await import("../support/ws-server.js");

afterEach(closeScriptedServers);

it("drops a socket whose close frame is not answered within the grace, with ws before 8.19", async () => {
  const url = await scriptedServer((_socket, request) => {
    // Reads nothing more, so the close frame is never answered.
    request.socket.pause();
  });
  const transport = new WebSocketTransport({ url, shownUrl: url, closeGraceMs: 200 });
  const ends: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const sink = { line() {}, overlong() {}, writeFailed() {}, dropped() {} };
    transport.start({ ...sink, closed: (info) => ends.push(info.reason ?? "") });
    transport.send('{"method":"ping"}', (err) => (err ? reject(err) : resolve()));
  });
  const started = performance.now();
  await transport.close();
  expect(performance.now() - started).toBeLessThan(2000);
  expect(ends).toHaveLength(1);
});

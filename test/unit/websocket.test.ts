import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createServer as createNetServer, type AddressInfo, type Socket } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { WebSocket as WsClient, WebSocketServer, type WebSocket } from "ws";
import { Codex, RequestTimeoutError, SDK_VERSION, TransportClosedError } from "../../src/index.js";
import { WebSocketTransport } from "../../src/transport/websocket.js";
import type { TransportCloseInfo, TransportSink } from "../../src/transport/transport.js";
import { captureLog } from "../support/capture-log.js";
import {
  closeLater,
  closeScriptedServers,
  rawSocketOf,
  scriptedServer,
  textFrameHeader,
} from "../support/ws-server.js";

afterEach(closeScriptedServers);

/** Answers `initialize` as the app-server would, then hands every other message to `onMessage`. */
function initializeThen(
  socket: WebSocket,
  onMessage: (message: { id?: number; method: string }) => void,
) {
  socket.on("message", (data) => {
    const message = JSON.parse(String(data)) as { id?: number; method: string };
    if (message.method !== "initialize") return onMessage(message);
    const result = {
      userAgent: `codex_app_server_sdk_ts/${SDK_VERSION}`,
      codexHome: "/tmp/codex-home",
      platformFamily: "unix",
      platformOs: "linux",
    };
    socket.send(JSON.stringify({ id: message.id, result }));
  });
}

/** A transport sink that ignores everything but what `parts` handles. */
function sinkOf(parts: Partial<TransportSink>): TransportSink {
  return {
    line: () => {},
    overlong: () => {},
    writeFailed: () => {},
    dropped: () => {},
    closed: () => {},
    ...parts,
  };
}

describe("WebSocketTransport.close", () => {
  it("leaves no socket behind when called while the ws package still loads", async () => {
    let connections = 0;
    const url = await scriptedServer((socket) => {
      connections++;
      socket.send('{"method":"hello","params":{}}');
      socket.on("message", (data) => socket.send(String(data)));
    });
    const events: string[] = [];
    const closed = new WebSocketTransport({ url, shownUrl: url });
    closed.start({
      line: (line) => events.push(`line ${line}`),
      overlong: () => events.push("overlong"),
      writeFailed: (err) => events.push(`writeFailed ${err.message}`),
      dropped: (what) => events.push(`dropped ${what}`),
      closed: () => events.push("closed"),
    });
    await closed.close();

    // A second transport's round trip: a socket the first made after its close would have
    // reached the server first, and been greeted.
    const other = new WebSocketTransport({ url, shownUrl: url });
    const echoed = new Promise<void>((resolve) => {
      other.start(sinkOf({ line: (line) => void (line.includes("ping") && resolve()) }));
    });
    other.send('{"method":"ping"}');
    await echoed;
    await other.close();

    expect(events).toEqual(["closed"]);
    expect(connections).toBe(1);
  });

  it("drops the socket when the server does not answer the close frame within the grace", async () => {
    const url = await scriptedServer((_socket, request) => {
      // Reads nothing more, so the close frame is never answered.
      request.socket.pause();
    });
    const transport = new WebSocketTransport({ url, shownUrl: url, closeGraceMs: 200 });
    const ends: string[] = [];
    // A write's callback runs once the socket is open and the line handed on.
    await new Promise<void>((resolve, reject) => {
      transport.start(sinkOf({ closed: (info) => ends.push(info.reason ?? "") }));
      transport.send('{"method":"ping"}', (err) => (err ? reject(err) : resolve()));
    });
    const started = performance.now();
    await transport.close();
    const took = performance.now() - started;
    // Without the grace, ws waits 30 s for the answer.
    expect(took).toBeGreaterThanOrEqual(190);
    expect(took).toBeLessThan(2000);
    expect(ends).toHaveLength(1);
  });
});

describe("WebSocketTransport, the server's end", () => {
  it("stops waiting for a server that sent its close frame and left the socket open", async () => {
    const url = await scriptedServer((socket, request) => {
      // Code 1001, then nothing: the client's close frame is never read, the socket never ended.
      request.socket.pause();
      rawSocketOf(socket).write(Buffer.from([0x88, 0x02, 0x03, 0xe9]));
    });
    const transport = new WebSocketTransport({ url, shownUrl: url, closeGraceMs: 200 });
    const started = performance.now();
    const info = await new Promise<TransportCloseInfo>((resolve) =>
      transport.start(sinkOf({ closed: resolve })),
    );
    // Without a bound of its own, ws waits 30 s for the end of the socket.
    expect(performance.now() - started).toBeLessThan(5000);
    expect(info.reason).toBe(`connection to codex app-server at ${url} closed (code 1001)`);
  });

  // A close frame (4001, "shutting down") on the raw socket, then nothing read: the client's
  // socket is closing until its grace ends it.
  const closeFrameThenHold = (socket: WebSocket, request: { socket: { pause(): void } }) => {
    request.socket.pause();
    const reason = Buffer.from("shutting down");
    rawSocketOf(socket).write(
      Buffer.concat([Buffer.from([0x88, 2 + reason.length, 0x0f, 0xa1]), reason]),
    );
  };

  it("rejects a call pending as the close frame came with its code and reason, whatever the pings", async () => {
    const url = await scriptedServer((socket, request) =>
      initializeThen(socket, (message) => {
        if (message.method === "model/list") closeFrameThenHold(socket, request);
      }),
    );
    // Pings more often than the close takes: none is sent while closing, none is missed.
    const codex = await Codex.connect(url, { pingInterval: 100 });
    try {
      const err = (await codex.request("model/list", {}).catch((e: unknown) => e)) as Error;
      expect(err.message).toBe(
        `connection to codex app-server at ${url} closed (code 4001: shutting down)`,
      );
    } finally {
      await codex.close();
    }
  });

  it("shows a close reason on one line, marked cut at the most a reason holds, and redacted", async () => {
    // A token longer than a close reason holds (123 bytes): a server quoting it sends its start.
    const token = `cap-${"Zq81xY7Kp0".repeat(15)}`;
    const reasons = [`invalid token ${token}`.slice(0, 123), "shutting down\n\u001b[2Jforged"];
    const messages: string[] = [];
    for (const reason of reasons) {
      const url = await scriptedServer((socket) => {
        socket.once("message", () => socket.close(4001, reason));
      });
      const err = await Codex.connect(url, { token, startTimeout: 3000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransportClosedError);
      messages.push((err as Error).message.replace(url, "URL"));
    }
    expect(messages).toEqual([
      "connection to codex app-server at URL closed (code 4001: invalid token [redacted]…)",
      "connection to codex app-server at URL closed (code 4001: shutting down forged)",
    ]);
  });

  it("says in words how it closed when no close frame, or one without a code, came", async () => {
    const messages: string[] = [];
    for (const end of ["cut", "no code"] as const) {
      const url = await scriptedServer((socket) =>
        initializeThen(socket, (message) => {
          if (message.method !== "model/list") return;
          if (end === "cut") rawSocketOf(socket).destroy();
          else socket.close();
        }),
      );
      const codex = await Codex.connect(url);
      try {
        const err = await codex.request("model/list", {}).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(TransportClosedError);
        messages.push((err as Error).message.replace(url, "URL"));
      } finally {
        await codex.close();
      }
    }
    expect(messages).toEqual([
      "connection to codex app-server at URL closed (code 1006): the connection ended without a close frame (the server stopped, or the network dropped it)",
      "connection to codex app-server at URL closed (code 1005): its close frame gave no code",
    ]);
  });

  it("rejects a call sent while the connection closes with the close frame's code and reason", async () => {
    const url = await scriptedServer((socket, request) =>
      initializeThen(socket, (message) => {
        if (message.method === "model/list") closeFrameThenHold(socket, request);
      }),
    );
    // ws answers a close frame it reads with close() on the client: closing from then on.
    const realClose = WsClient.prototype.close;
    let frameRead!: () => void;
    const closing = new Promise<void>((resolve) => (frameRead = resolve));
    const spy = vi.spyOn(WsClient.prototype, "close").mockImplementation(function (
      this: WebSocket,
      ...args: Parameters<WebSocket["close"]>
    ) {
      realClose.apply(this, args);
      // The client's socket only (the server's share the prototype).
      if (!(this as unknown as { _isServer: boolean })._isServer) frameRead();
    });
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    const codex = await Codex.connect(url);
    try {
      const first = codex.request("model/list", {}).catch((e: unknown) => e as Error);
      await closing;
      // A burst of them: their failures wait on one listener of the socket's close, not one each.
      const calls = Array.from({ length: 20 }, () =>
        codex.request("config/read", {}).catch((e: unknown) => e as Error),
      );
      const second = (await calls[0]) as Error;
      expect(second.message).toBe(
        `connection to codex app-server at ${url} closed (code 4001: shutting down)`,
      );
      expect(((await first) as Error).message).toBe(second.message);
      for (const call of calls) expect(((await call) as Error).message).toBe(second.message);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.map((w) => w.name)).not.toContain("MaxListenersExceededWarning");
    } finally {
      process.off("warning", onWarning);
      spy.mockRestore();
      await codex.close();
    }
  });

  it("ends the connection at a message longer than it can take, not buffering it", async () => {
    const url = await scriptedServer((socket) =>
      initializeThen(socket, () => rawSocketOf(socket).write(textFrameHeader(5 * 2 ** 30))),
    );
    const codex = await Codex.connect(url);
    try {
      // Unbounded, the 5 GiB the frame announces would be read until the call timed out.
      const err = await codex.request("model/list", {}, { timeout: 5000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransportClosedError);
      expect((err as Error).message).toBe(
        `connection to codex app-server at ${url} failed: Max payload size exceeded`,
      );
    } finally {
      await codex.close();
    }
  });

  it("counts a long message still arriving as an answer to its pings", async () => {
    const length = 200_000;
    // The server answers no ping: for each, it sends the next eighth of the message, all it sends.
    const url = await scriptedServer(
      (socket) => {
        const raw = rawSocketOf(socket);
        const body = Buffer.from(
          JSON.stringify({ method: "long", params: { text: "x".repeat(length) } }),
        );
        raw.write(textFrameHeader(body.length));
        let at = 0;
        socket.on("ping", () => {
          if (at < body.length) raw.write(body.subarray(at, (at += Math.ceil(body.length / 8))));
        });
      },
      { autoPong: false },
    );
    const transport = new WebSocketTransport({ url, shownUrl: url, pingInterval: 50 });
    const events: string[] = [];
    const closed = new Promise<void>((resolve) =>
      transport.start(
        sinkOf({
          line: (line) => events.push(`line of ${line.length - 38}`),
          closed: (info) => {
            events.push(info.reason ?? "");
            resolve();
          },
        }),
      ),
    );
    // The message takes eight pings; once it is in, the silence ends the connection.
    await closed;
    expect(events).toEqual([
      `line of ${length}`,
      `connection to codex app-server at ${url} failed: the app-server did not answer a ping within 50 ms`,
    ]);
  });
});

describe("WebSocketTransport, a long message of the client's", () => {
  // Over a unix socket, whose kernel buffers hold little of it, to a server that answers no ping
  // and reads 64 KiB every 5 ms: 16 MiB take more than a second, a dozen pings. Each line is
  // sent `gap` ms after the one before; what the connection reports is returned.
  async function sentToSlowReader(lines: readonly string[], gap: number) {
    const dir = mkdtempSync(path.join(os.tmpdir(), "codex-sdk-ws-"));
    const socketPath = path.join(dir, "app-server.sock");
    const http = createServer();
    const server = new WebSocketServer({ server: http, autoPong: false });
    closeLater(server);
    let timer: NodeJS.Timeout | undefined;
    let read = 0;
    server.on("connection", (socket) => {
      const raw = rawSocketOf(socket);
      raw.pause();
      timer = setInterval(() => raw.read(2 ** 16) ?? raw.read(), 5);
      socket.on("message", (data: Buffer) => {
        if (++read === lines.length) clearInterval(timer);
        socket.send(JSON.stringify({ method: "read", params: { bytes: data.length } }));
      });
    });
    await new Promise<void>((resolve) => http.listen(socketPath, resolve));
    try {
      const shownUrl = `unix://${socketPath}`;
      const transport = new WebSocketTransport({
        url: "ws://localhost/",
        socketPath,
        shownUrl,
        pingInterval: 100,
      });
      const events: string[] = [];
      const closed = new Promise<void>((resolve) =>
        transport.start(
          sinkOf({
            line: (line) => events.push(line),
            closed: (info) => {
              events.push(info.reason ?? "");
              resolve();
            },
          }),
        ),
      );
      lines.forEach((line, i) => setTimeout(() => transport.send(line), i * gap));
      // Once the answers are in, the server's silence ends the connection.
      await closed;
      return { events, shownUrl };
    } finally {
      clearInterval(timer);
      for (const client of server.clients) client.terminate();
      await new Promise((resolve) => http.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const long = (mib: number) =>
    JSON.stringify({ method: "long", params: { text: "x".repeat(mib * 2 ** 20) } });
  const read = (line: string) => JSON.stringify({ method: "read", params: { bytes: line.length } });
  const silence = (url: string) =>
    `connection to codex app-server at ${url} failed: the app-server did not answer a ping within 100 ms`;

  it("counts what the server reads of it as an answer to the pings queued behind it", async () => {
    const line = long(16);
    const { events, shownUrl } = await sentToSlowReader([line], 0);
    expect(events).toEqual([read(line), silence(shownUrl)]);
  });

  it("counts what the server reads while the client queues more than it reads", async () => {
    // The second, sent while the first is read, leaves more unsent at the next ping than at the
    // one before, though the server read all along.
    const lines = [long(4), long(16)];
    const { events, shownUrl } = await sentToSlowReader(lines, 150);
    expect(events).toEqual([read(lines[0]!), read(lines[1]!), silence(shownUrl)]);
  });
});

describe("WebSocketTransport.start", () => {
  it("says ws could not be loaded when it fails to, and keeps why as the cause", async () => {
    const why = new Error("ws failed to load");
    vi.doMock("ws", () => {
      throw why;
    });
    try {
      const transport = new WebSocketTransport({ url: "ws://127.0.0.1:1/", shownUrl: "ws://h" });
      const info = await new Promise<TransportCloseInfo>((resolve) =>
        transport.start(sinkOf({ closed: resolve })),
      );
      // An installed ws that fails to load is not reported as missing (peer.test.ts has those).
      expect(info.reason).toMatch(
        /^connection to codex app-server at ws:\/\/h failed: the 'ws' package could not be loaded: /,
      );
      // What the import threw is in the cause chain (vitest wraps a mock factory's error).
      const causes: unknown[] = [];
      for (let e = info.error?.cause; e instanceof Error; e = e.cause) causes.push(e);
      expect(causes).toContain(why);
    } finally {
      vi.doUnmock("ws");
    }
  });

  it("loads the installed ws where a bundle's copy of it cannot require Node's modules", async () => {
    // What an ES module bundled by esbuild, ws inside, throws as ws requires `events`; asked
    // again, esbuild before 0.28 hands over the module it failed to make, empty.
    let imports = 0;
    vi.doMock("ws", () => {
      if (imports++ === 0) throw new Error('Dynamic require of "events" is not supported');
      return { default: undefined };
    });
    try {
      for (let connection = 0; connection < 2; connection++) {
        const transport = new WebSocketTransport({ url: "ws://127.0.0.1:1/", shownUrl: "ws://h" });
        const info = await new Promise<TransportCloseInfo>((resolve) =>
          transport.start(sinkOf({ closed: resolve })),
        );
        // The installed ws dialled the closed port, each time.
        expect(info.reason).toMatch(
          /^connection to codex app-server at ws:\/\/h failed: .*ECONNREFUSED/,
        );
      }
    } finally {
      vi.doUnmock("ws");
    }
  });

  it("says why a bundle's copy of ws cannot run when none is installed beside the bundle", async () => {
    // A bundle deployed alone (a Lambda zip): its ES module cannot run the ws it holds, and no
    // node_modules is there to load one from.
    // Asked again, esbuild before 0.28 hands over the module it failed to make, empty.
    let imports = 0;
    vi.doMock("ws", () => {
      if (imports++ === 0) throw new Error('Dynamic require of "events" is not supported');
      return { default: undefined };
    });
    vi.doMock("../../src/internal/builtins.js", async (original) => ({
      ...(await original<typeof import("../../src/internal/builtins.js")>()),
      installedRequire: () => () => {
        throw Object.assign(new Error("Cannot find module 'ws'"), { code: "MODULE_NOT_FOUND" });
      },
    }));
    vi.resetModules();
    try {
      const fresh = await import("../../src/transport/websocket.js");
      const reasons: (string | undefined)[] = [];
      for (let connection = 0; connection < 2; connection++) {
        const transport = new fresh.WebSocketTransport({
          url: "ws://127.0.0.1:1/",
          shownUrl: "ws://h",
        });
        const info = await new Promise<TransportCloseInfo>((resolve) =>
          transport.start(sinkOf({ closed: resolve })),
        );
        reasons.push(info.reason);
      }
      // Not "needs the 'ws' package: npm install ws", which the program did.
      const said = (why: string) =>
        "connection to codex app-server at ws://h failed: the 'ws' package could not be loaded: " +
        `the copy bundled into this ES module cannot run (${why}), and none is installed beside ` +
        "it: bundle as CommonJS, give the bundle a require (esbuild's banner `import { " +
        'createRequire } from "node:module"; const require = createRequire(import.meta.url);`), ' +
        "or leave ws out of the bundle and install it";
      expect(reasons).toEqual([
        said('Dynamic require of "events" is not supported'),
        said("asked again, esbuild before 0.28 hands it over empty"),
      ]);
    } finally {
      vi.doUnmock("ws");
      vi.doUnmock("../../src/internal/builtins.js");
      vi.resetModules();
    }
  });

  it("refuses a unix:// socket, before anything is written, with a ws that would dial TCP instead", async () => {
    // ws before 8.17 ignored createConnection and dialled the URL's host (localhost:80): the
    // token would have gone there. Played by a ws that drops it, and says when it is stopped.
    const seen = { tickEnded: false, stoppedInTick: undefined as boolean | undefined };
    vi.doMock("ws", async () => {
      const real = (await vi.importActual("ws")) as typeof import("ws");
      class OldWebSocket extends real.default {
        constructor(url: string, options: import("ws").ClientOptions) {
          super("ws://127.0.0.1:1/", { ...options, createConnection: undefined });
          queueMicrotask(() => (seen.tickEnded = true));
        }
        override terminate(): void {
          seen.stoppedInTick ??= !seen.tickEnded;
          super.terminate();
        }
      }
      return { ...real, default: OldWebSocket };
    });
    try {
      const transport = new WebSocketTransport({
        url: "ws://localhost/",
        shownUrl: "unix:///tmp/app.sock",
        socketPath: "/tmp/app.sock",
        token: "capability-token-0123",
      });
      const info = await new Promise<TransportCloseInfo>((resolve) =>
        transport.start(sinkOf({ closed: resolve })),
      );
      expect(info.reason).toBe(
        "connection to codex app-server at unix:///tmp/app.sock failed: a unix:// socket needs " +
          "ws 8.17 or later: npm install ws@^8.17.1",
      );
      expect(seen.stoppedInTick).toBe(true);
    } finally {
      vi.doUnmock("ws");
    }
  });

  it("reports what the ws client throws as the end of the connection", async () => {
    // ws refuses a URL with a fragment by throwing from its constructor.
    const transport = new WebSocketTransport({ url: "ws://127.0.0.1:1/#x", shownUrl: "ws://h" });
    const reasons: string[] = [];
    const ended = new Promise<void>((resolve) =>
      transport.start(
        sinkOf({
          closed: (info) => {
            reasons.push(info.reason ?? "");
            resolve();
          },
        }),
      ),
    );
    await ended;
    expect(reasons).toEqual([
      "connection to codex app-server at ws://h failed: The URL contains a fragment identifier",
    ]);
  });
});

describe("Codex.connect", () => {
  it("logs and drops a binary frame, or a text frame that is not UTF-8 (as a stdio line), skips an empty one (as an empty line), and the messages after it still flow", async () => {
    const cases: Array<{ frame: Buffer; binary: boolean; warning?: string }> = [
      {
        frame: Buffer.from('{"method":"binary"}'),
        binary: true,
        warning: "dropped a binary WebSocket frame from app-server",
      },
      // Decoded with U+FFFD, as stdio decodes a line, where ws would end the connection.
      {
        frame: Buffer.from([0xff, 0xfe]),
        binary: false,
        warning: "dropped a line that is no JSON object from app-server",
      },
      { frame: Buffer.alloc(0), binary: false },
    ];
    for (const { frame, binary, warning } of cases) {
      const url = await scriptedServer((socket) =>
        initializeThen(socket, (message) => {
          if (message.method !== "model/list") return;
          socket.send(frame, { binary });
          socket.send(JSON.stringify({ id: message.id, result: { data: [], nextCursor: null } }));
        }),
      );
      const { logger, entries } = captureLog();
      const codex = await Codex.connect(url, { logger });
      try {
        await expect(codex.request("model/list", {})).resolves.toEqual({
          data: [],
          nextCursor: null,
        });
        expect(entries.filter((e) => e.level === "warn").map((e) => e.message)).toEqual(
          warning === undefined ? [] : [`codex-app-server-sdk: ${warning}`],
        );
      } finally {
        await codex.close();
      }
    }
  });

  it("names the URL when the server never answers the upgrade, within startTimeout", async () => {
    const silent = createNetServer(() => {});
    silent.listen(0, "127.0.0.1");
    await once(silent, "listening");
    const { port } = silent.address() as AddressInfo;
    try {
      const err = await Codex.connect(`ws://127.0.0.1:${port}/`, { startTimeout: 300 }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TransportClosedError);
      expect((err as Error).message).toBe(
        `ws://127.0.0.1:${port}/ did not answer the WebSocket upgrade within 300 ms`,
      );
      expect((err as Error).cause).toBeInstanceOf(RequestTimeoutError);
    } finally {
      silent.close();
    }
  });

  // A server that refuses the upgrade with a 401 whose body (100 bytes announced) never ends;
  // `then` plays what it does next.
  async function refusingServer(then?: (socket: Socket) => void) {
    const sockets: Socket[] = [];
    const server = createNetServer((socket) => {
      sockets.push(socket);
      socket.on("error", () => {});
      socket.write(
        "HTTP/1.1 401 Unauthorized\r\ncontent-length: 100\r\n\r\ninvalid websocket bearer token",
      );
      then?.(socket);
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    return {
      url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`,
      stop() {
        for (const socket of sockets) socket.destroy();
        server.close();
      },
    };
  }

  it("names the refusal's status when startTimeout ends while its reason is read", async () => {
    const token = "capability-token-0123456789";
    const { url, stop } = await refusingServer();
    try {
      const err = await Codex.connect(url, { token, startTimeout: 300 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransportClosedError);
      expect((err as Error).message).toBe(
        `${url} refused the WebSocket upgrade: HTTP 401 (its reason was not read within 300 ms)`,
      );
      expect((err as Error).cause).toBeInstanceOf(RequestTimeoutError);
    } finally {
      stop();
    }
  });

  it("keeps the status of a refused upgrade whose connection is reset before its body ends", async () => {
    const token = "capability-token-0123456789";
    // Reset a while after the first part of the body (the client's reading of it is not seen
    // from here): the rest never comes.
    const { url, stop } = await refusingServer((socket) => {
      setTimeout(() => socket.resetAndDestroy(), 50);
    });
    try {
      const err = await Codex.connect(url, { token, startTimeout: 5000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransportClosedError);
      expect((err as Error).message).toMatch(
        new RegExp(
          `^connection to codex app-server at ${url} failed: the app-server refused the connection: HTTP 401(: invalid websocket bearer token…)?$`,
        ),
      );
    } finally {
      stop();
    }
  });

  it("refuses, before any I/O, a ws:// URL whose host the URL parser would take from elsewhere", async () => {
    const dialled: string[] = [];
    const server = createNetServer((socket) => {
      socket.on("error", () => {});
      socket.once("data", (data) => {
        dialled.push(String(data));
        socket.destroy();
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const port = (server.address() as AddressInfo).port;
    try {
      // A socket's path written as for unix:// (host "127.0.0.1:PORT" read from the path), one
      // slash, none, backslashes: each parses to a host, which would get the token.
      for (const url of [
        `ws:///127.0.0.1:${port}/codex.sock`,
        `ws:/127.0.0.1:${port}/`,
        `ws:127.0.0.1:${port}`,
        `ws:\\\\127.0.0.1:${port}/`,
        `wss://127.0.0.1\\@evil:${port}/`,
      ]) {
        await expect(Codex.connect(url, { token: "capability-token-0123456789" })).rejects.toThrow(
          new TypeError(
            "a ws:// or wss:// URL takes a host right after its two slashes, such as " +
              "ws://127.0.0.1:4500 (a socket's path is written unix:///tmp/codex.sock)",
          ),
        );
      }
      expect(dialled).toEqual([]);
    } finally {
      server.close();
    }
  });

  it("says why the server refused the upgrade, as its body says, on one line and redacted", async () => {
    const token = "capability-token-0123456789";
    const bodies = [
      "invalid websocket bearer token",
      `  bad\r\n\ttoken ${token}\n`,
      // Of the most shown, with a line break after it: whole.
      `${"w".repeat(200)}\r\n`,
      // Cut inside the token: marked cut, so that its start (more than half of it) is redacted.
      `${"x".repeat(180)} ${token}`,
      "",
      // A body that never ends is read for a second at most, for what came.
      undefined,
    ];
    const server = createNetServer((socket) => {
      const body = bodies.shift();
      const head = "HTTP/1.1 401 Unauthorized\r\ncontent-type: text/plain\r\n";
      socket.on("error", () => {});
      // Stalled inside the token: marked cut, its start is redacted.
      if (body === undefined)
        socket.write(`${head}content-length: 100\r\n\r\nhalf ${token.slice(0, 20)}`);
      else socket.end(`${head}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      const refused = `connection to codex app-server at ${url} failed: the app-server refused the connection: HTTP 401`;
      const reasons = [];
      for (let i = 0; i < 6; i++) {
        const err = await Codex.connect(url, { token }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(TransportClosedError);
        reasons.push((err as Error).message);
      }
      expect(reasons.every((reason) => reason.length - refused.length - 2 <= 200)).toBe(true);
      expect(reasons).toEqual([
        `${refused}: invalid websocket bearer token`,
        `${refused}: bad token [redacted]`,
        `${refused}: ${"w".repeat(200)}`,
        `${refused}: ${"x".repeat(180)} [redacted]…`,
        refused,
        `${refused}: half [redacted]…`,
      ]);
    } finally {
      server.close();
    }
  });

  it("refuses a URL the URL parser would change: white space at an end, a tab, a line break", async () => {
    for (const url of ["ws://127.0.0.1:1/ ", " ws://127.0.0.1:1/", "unix:///tmp/co\tdex.sock"]) {
      await expect(Codex.connect(url)).rejects.toThrow(
        "url must not hold a tab or a line break, nor white space or a control character at either end",
      );
    }
  });

  it("names bad input before an aborted startSignal, as every call does", async () => {
    const startSignal = AbortSignal.abort(new Error("no longer wanted"));
    await expect(Codex.connect("http://127.0.0.1:1/", { startSignal })).rejects.toThrow(TypeError);
    await expect(
      Codex.connect("ws://127.0.0.1:1/", { startSignal, pingInterval: -1 }),
    ).rejects.toThrow(RangeError);
    await expect(Codex.connect("ws://127.0.0.1:1/", { startSignal })).rejects.toThrow(
      "no longer wanted",
    );
  });

  it("redacts what a server quotes of the headers, the URL's password and its credential query", async () => {
    const url = await scriptedServer((socket, request) =>
      initializeThen(socket, (message) => {
        const quoted = `url=${request.url} headers=${JSON.stringify(request.headers)}`;
        socket.send(JSON.stringify({ id: message.id, error: { code: -32001, message: quoted } }));
      }),
    );
    const withCredentials =
      url.replace("ws://", "ws://wsuser:ws-password-01@") + "rpc?token=query-token-01";
    const codex = await Codex.connect(withCredentials, {
      headers: { "X-Api-Key": "header-key-0123" },
    });
    try {
      const err = (await codex.request("model/list", {}).catch((e: unknown) => e)) as Error;
      expect(err.message).toContain("/rpc?token=[redacted]");
      expect(err.message).toContain('"x-api-key":"[redacted]"');
      const basic = Buffer.from("wsuser:ws-password-01").toString("base64");
      for (const secret of ["query-token-01", "header-key-0123", basic]) {
        expect(err.message).not.toContain(secret);
      }
    } finally {
      await codex.close();
    }
  });

  it("redacts the Basic authorization of a token given as the URL's user, or escaped as ws reads it", async () => {
    const url = await scriptedServer((socket, request) =>
      initializeThen(socket, (message) => {
        const quoted = `headers=${JSON.stringify(request.headers)}`;
        socket.send(JSON.stringify({ id: message.id, error: { code: -32001, message: quoted } }));
      }),
    );
    // The user alone, and a password whose escape is no UTF-8 (ws decodes it byte by byte).
    for (const [userinfo, pair] of [
      ["ws-user-token-0123456789", "ws-user-token-0123456789:"],
      ["user:pass%C0word-0123", "user:pass\ufffdword-0123"],
    ] as const) {
      const codex = await Codex.connect(url.replace("ws://", `ws://${userinfo}@`));
      try {
        const err = (await codex.request("model/list", {}).catch((e: unknown) => e)) as Error;
        expect(err.message).toContain('"authorization":"Basic [redacted]"');
        expect(err.message).not.toContain(Buffer.from(pair).toString("base64"));
      } finally {
        await codex.close();
      }
    }
  });

  it("redacts the credential inside a header as well as the whole value", async () => {
    // The server quotes what follows each scheme, the decoded Basic pair and a cookie's value.
    const url = await scriptedServer((socket, request) =>
      initializeThen(socket, (message) => {
        const { authorization, "proxy-authorization": proxy, cookie } = request.headers;
        const pair = Buffer.from(proxy!.split(" ")[1]!, "base64").toString();
        const quoted = [
          authorization!.split(" ")[1],
          pair,
          pair.split(":")[1],
          cookie!.split("=")[2],
        ];
        const reply = { id: message.id, error: { code: -32001, message: quoted.join(" ") } };
        socket.send(JSON.stringify(reply));
      }),
    );
    const codex = await Codex.connect(url, {
      token: "bearer-token-01",
      headers: {
        "Proxy-Authorization": `Basic ${Buffer.from("proxyuser:proxy-pass-01").toString("base64")}`,
        Cookie: "theme=dark; session=cookie-session-01",
      },
    });
    try {
      const err = (await codex.request("model/list", {}).catch((e: unknown) => e)) as Error;
      expect(err.message).toBe(
        "JSON-RPC error -32001 (model/list): [redacted] [redacted] [redacted] [redacted]",
      );
    } finally {
      await codex.close();
    }
  });

  it("reaches a unix socket whose path has a space, a colon, a #, a ? or a letter beyond ASCII", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "codex-sdk-ws "));
    try {
      for (const name of ["my dir.sock", "a:b.sock", "h#x.sock", "q?x.sock", "café.sock"]) {
        const socketPath = path.join(dir, name);
        const http = createServer();
        const server = new WebSocketServer({ server: http });
        closeLater(server);
        server.on("connection", (socket) => initializeThen(socket, () => {}));
        await new Promise<void>((resolve) => http.listen(socketPath, resolve));
        try {
          // As written (a # only as %23, a ? as %3F, else they start a fragment or a query), and
          // percent-encoded.
          const encoded = pathToFileURL(socketPath).href.replace("file:", "unix:");
          const urls = /[#?]/.test(name) ? [encoded] : [`unix://${socketPath}`, encoded];
          for (const url of urls) {
            const codex = await Codex.connect(url);
            await codex.close();
          }
        } finally {
          await new Promise((resolve) => http.close(resolve));
        }
      }
      // Neither is dialled as a path nobody gave: /x.sock, or the path cut at its ? or # (which
      // the URL parser cuts off unseen when nothing follows).
      for (const url of [`unix://${dir}/h#x.sock`, `unix://${dir}/h#`, `ws://127.0.0.1:1/#`]) {
        await expect(Codex.connect(url)).rejects.toThrow(
          new TypeError("url must not have a fragment (#...)"),
        );
      }
      for (const url of [`unix://${dir}/q?x.sock`, `unix://${dir}/q?`]) {
        await expect(Codex.connect(url)).rejects.toThrow(
          new TypeError("a ? in a unix:// socket's path is written %3F"),
        );
      }
      // Nor the path cut at a NUL: the socket there may be another's.
      await expect(Codex.connect(`unix://${dir}/my%20dir.sock%00.other`)).rejects.toThrow(
        new TypeError("a unix:// socket's path must not hold a NUL (%00)"),
      );
      // A path longer than a socket address holds is named as such, not as a missing file.
      const long = `unix://${dir}/${"x".repeat(200)}.sock`;
      await expect(Codex.connect(long)).rejects.toThrow(
        /^a unix:\/\/ socket's path is at most 107 bytes on this system \(the size of a socket address\), got \d+: use a shorter path$/,
      );
      await expect(Codex.connect("unix://relative/x.sock")).rejects.toThrow(
        'such as unix:///tmp/codex.sock; "relative" would be read as a host',
      );
      // Nor is a relative path, which would be dialled from the working directory.
      for (const relative of ["unix:codex.sock", "unix:dir/codex.sock"]) {
        await expect(Codex.connect(relative)).rejects.toThrow(
          /^a unix:\/\/ URL takes the socket's absolute path, such as unix:\/\/\/tmp\/codex\.sock, got "/,
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("offers no compression, which a server could use to send a message that inflates past any bound", async () => {
    const offered: (string | undefined)[] = [];
    const url = await scriptedServer(
      (socket, request) => {
        offered.push(request.headers["sec-websocket-extensions"]);
        initializeThen(socket, () => {});
      },
      { perMessageDeflate: true },
    );
    const codex = await Codex.connect(url);
    await codex.close();
    expect(offered).toEqual([undefined]);
  });

  it("rejects what is pending with the code and reason of the server's close frame", async () => {
    const url = await scriptedServer((socket) =>
      initializeThen(socket, (message) => {
        if (message.method === "model/list") socket.close(4001, "shutting down");
      }),
    );
    const codex = await Codex.connect(url);
    try {
      const err = await codex.request("model/list", {}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransportClosedError);
      expect((err as Error).message).toBe(
        `connection to codex app-server at ${url} closed (code 4001: shutting down)`,
      );
    } finally {
      await codex.close();
    }
  });
});

describe("WebSocketTransport pings", () => {
  it("ends the connection when the server leaves a ping unanswered until the next", async () => {
    const url = await scriptedServer(() => {}, { autoPong: false });
    const transport = new WebSocketTransport({ url, shownUrl: url, pingInterval: 50 });
    const info = await new Promise<TransportCloseInfo>((resolve) =>
      transport.start(sinkOf({ closed: resolve })),
    );
    expect(info.reason).toBe(
      `connection to codex app-server at ${url} failed: the app-server did not answer a ping within 50 ms`,
    );
  });

  it("ends it though the client keeps sending short messages, which show no reading", async () => {
    const url = await scriptedServer(() => {}, { autoPong: false });
    const transport = new WebSocketTransport({ url, shownUrl: url, pingInterval: 50 });
    const sender = setInterval(() => transport.send('{"method":"x"}', () => {}), 5);
    try {
      const info = await new Promise<TransportCloseInfo>((resolve) =>
        transport.start(sinkOf({ closed: resolve })),
      );
      expect(info.reason).toBe(
        `connection to codex app-server at ${url} failed: the app-server did not answer a ping within 50 ms`,
      );
    } finally {
      clearInterval(sender);
    }
  });

  it("reads an answer that came while the host was busy before it holds the ping unanswered", async () => {
    let pings = 0;
    let thirdPing!: () => void;
    const third = new Promise<void>((resolve) => (thirdPing = resolve));
    const url = await scriptedServer(
      (socket) =>
        socket.on("ping", () => {
          pings++;
          if (pings === 3) thirdPing();
          // The first answer is in the client's socket when the host (this process) gets busy
          // past the next ping: that ping's timer runs before the answer is read.
          socket.pong(undefined, undefined, () => {
            if (pings !== 1) return;
            const until = performance.now() + 150;
            while (performance.now() < until);
          });
        }),
      { autoPong: false },
    );
    const ends: (string | undefined)[] = [];
    const transport = new WebSocketTransport({ url, shownUrl: url, pingInterval: 100 });
    transport.start(sinkOf({ closed: (info) => ends.push(info.reason) }));
    await third;
    expect(ends).toEqual([]);
    await transport.close();
  });

  it("keeps a connection whose server answers, and clears its ping timer on close", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    try {
      let pings = 0;
      const url = await scriptedServer((socket) =>
        socket.on("ping", () => {
          pings++;
          socket.send('{"method":"pinged","params":{}}');
        }),
      );
      const ends: string[] = [];
      let heard: (() => void) | undefined;
      const transport = new WebSocketTransport({ url, shownUrl: url, pingInterval: 1000 });
      // A write's callback runs once the socket is open, and the ping timer armed.
      await new Promise<void>((resolve, reject) => {
        transport.start(
          sinkOf({ line: () => heard?.(), closed: (info) => ends.push(info.reason ?? "") }),
        );
        transport.send('{"method":"hello"}', (err) => (err ? reject(err) : resolve()));
      });
      // Each ping is answered before the next: without the answers, the second would end it.
      for (let i = 0; i < 3; i++) {
        const answered = new Promise<void>((resolve) => (heard = resolve));
        vi.advanceTimersByTime(1000);
        await answered;
      }
      expect(pings).toBe(3);
      expect(ends).toEqual([]);
      expect(vi.getTimerCount()).toBe(1);
      await transport.close();
      expect(vi.getTimerCount()).toBe(0);
      expect(ends).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });
});

import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import net from "node:net";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import WebSocket from "ws";
import {
  Codex,
  SDK_VERSION,
  TransportClosedError,
  TurnAbortedError,
  type TurnResult,
} from "../../src/index.js";
import { locateRuntime } from "../../src/runtime.js";
import {
  createCodexHome,
  functionCallOutputs,
  sse,
  startMockResponsesServer,
  type CodexHome,
  type MockResponsesServer,
} from "../../src/testing/index.js";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The error a connection fails with; a client that connects instead is closed, and fails the test. */
async function failure(connecting: Promise<Codex>): Promise<Error> {
  const outcome = await connecting.then(
    async (codex) => codex.close(),
    (err: unknown) => err,
  );
  if (!(outcome instanceof Error)) throw new Error("expected the connection to fail");
  return outcome;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  // SIGTERM lets the server remove its control socket; SIGKILL if it lingers.
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 2000);
  await exited;
  clearTimeout(timer);
}

/** Resolves once the child writes `text` on stdout or stderr; rejects if it exits first. */
function waitForOutput(child: ChildProcess, text: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let seen = "";
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (!seen.includes(text)) return;
      child.stdout?.off("data", onData);
      child.stderr?.off("data", onData);
      child.off("exit", onExit);
      resolve();
    };
    const onExit = (code: number | null) =>
      reject(new Error(`app-server exited (${code}): ${seen}`));
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", onExit);
  });
}

/** Starts `codex app-server --listen ws://...` and resolves once it says it is listening. */
async function startWebSocketServer(extraArgs: string[] = []) {
  const mock: MockResponsesServer = await startMockResponsesServer();
  cleanups.push(() => mock.close());
  const home: CodexHome = await createCodexHome({ mockUrl: mock.url });
  cleanups.push(() => home.cleanup());
  const port = await freePort();
  const url = `ws://127.0.0.1:${port}`;
  const { binary } = locateRuntime();
  const child: ChildProcess = spawn(binary, ["app-server", "--listen", url, ...extraArgs], {
    cwd: home.workDir,
    env: { ...process.env, ...home.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  cleanups.push(() => stop(child));
  await waitForOutput(child, "listening on");
  return { url, mock, home, child };
}

/**
 * The statuses of a thread's turns as another client reads them once none runs (the closed
 * client's stops answered), its goal first checked to read `goal` when given.
 */
async function settledTurns(url: string, threadId: string, goal?: string): Promise<string[]> {
  const other = await Codex.connect(url);
  cleanups.push(() => other.close());
  if (goal !== undefined) expect((await other.thread(threadId).goal())?.status).toBe(goal);
  const statuses = async () =>
    (await other.thread(threadId).turnList()).data.map((each) => each.status);
  await vi.waitFor(async () => expect(await statuses()).not.toContain("inProgress"), {
    timeout: 10_000,
  });
  return statuses();
}

describe("Codex.connect", () => {
  it("runs a turn over WebSocket against a server it did not start, and leaves it running", async () => {
    const { url, mock, child } = await startWebSocketServer();
    mock.enqueueAssistantMessage("hello over websocket");
    const codex = await Codex.connect(url);
    // What the server says right after its initialize answer is kept if it came during connect,
    // else reaches a listener added at once: either way, none of it is lost.
    let later = 0;
    const arrived = new Promise<void>((resolve) =>
      codex.on("remoteControl/status/changed", () => {
        later++;
        resolve();
      }),
    );
    const kept = codex.startupNotifications.filter(
      (n) => n.method === "remoteControl/status/changed",
    ).length;
    if (kept === 0) await arrived;
    expect(codex.pid).toBeUndefined();
    expect(codex.metadata.serverInfo.version).toBe(SDK_VERSION);
    await codex.models();
    expect(kept + later).toBe(1);
    const thread = await codex.threadStart();
    const turn = await thread.turn("hi");
    const deltas: string[] = [];
    for await (const event of turn.stream()) {
      if (event.method === "item/completed" && event.params.item.type === "agentMessage") {
        deltas.push(event.params.item.text);
      }
    }
    expect(deltas).toEqual(["hello over websocket"]);
    expect((await turn.run()).finalResponse).toBe("hello over websocket");
    await codex.close();
    await expect(codex.models()).rejects.toBeInstanceOf(TransportClosedError);
    // An exit would reach this process as a signal, later than the close: a second client's round
    // trip shows the server still serves.
    const again = await Codex.connect(url);
    await again.models();
    await again.close();
    expect(child.exitCode).toBeNull();
  });

  it("keeps two threads' concurrent turns apart on one connection", async () => {
    const { url, mock } = await startWebSocketServer();
    const codex = await Codex.connect(url);
    cleanups.push(() => codex.close());
    const deltas = { a: ["a1", "a2", "a3"], b: ["b1", "b2", "b3"] };
    const gates = { a: mock.gate(), b: mock.gate() };
    mock.enqueue(sse.textDeltas(deltas.a), { gate: gates.a });
    const threadA = await codex.threadStart();
    const turnA = await threadA.turn("first");
    await gates.a.reached;
    mock.enqueue(sse.textDeltas(deltas.b), { gate: gates.b });
    const threadB = await codex.threadStart();
    const turnB = await threadB.turn("second");
    await gates.b.reached;
    const read = async (turn: typeof turnA) => {
      const seen: string[] = [];
      for await (const event of turn.stream()) {
        if ("turnId" in event.params) expect(event.params.turnId).toBe(turn.id);
        if (event.method === "item/agentMessage/delta") seen.push(event.params.delta);
      }
      return seen;
    };
    const streams = Promise.all([read(turnA), read(turnB)]);
    // The later turn's model answers first.
    gates.b.release();
    await expect(turnB.run()).resolves.toMatchObject({ finalResponse: "b1b2b3" });
    gates.a.release();
    expect(await streams).toEqual([deltas.a, deltas.b]);
    expect((await turnA.run()).finalResponse).toBe("a1a2a3");
  });

  it("cancels on close the logins it started, which the server would otherwise run on", async () => {
    const { url } = await startWebSocketServer();
    const codex = await Codex.connect(url);
    const login = await codex.loginChatgpt();
    const closing = codex.close();
    // While the cancel travels, nothing else asked for goes to the server, which outlives us.
    await expect(codex.threadStart()).rejects.toBeInstanceOf(TransportClosedError);
    await closing;
    // Nothing is left for another client to cancel.
    const other = await Codex.connect(url);
    cleanups.push(() => other.close());
    const cancel = { loginId: login.loginId };
    expect(await other.request("account/login/cancel", cancel)).toEqual({ status: "notFound" });
  });

  it("interrupts on close the turns it started, which the server would otherwise run on", async () => {
    const { url, mock } = await startWebSocketServer();
    const gate = mock.gate();
    cleanups.push(() => gate.release());
    mock.enqueueAssistantMessage("after the close", { gate });
    const codex = await Codex.connect(url);
    const thread = await codex.threadStart();
    const turn = await thread.turn("go");
    const queued = thread.run("then this").catch((e: unknown) => e);
    await gate.reached;
    await codex.close();
    // Both reject as anything pending does; the queued one was never sent.
    await expect(turn.run()).rejects.toBeInstanceOf(TransportClosedError);
    expect(await queued).toBeInstanceOf(TransportClosedError);
    // The model's answer is still held: the server reads the turn interrupted all the same.
    expect(await settledTurns(url, thread.id)).toEqual(["interrupted"]);
    expect(mock.responsesRequests).toHaveLength(1);
  });

  it("interrupts on close a turn whose turn/start is still on its way, once its answer names it", async () => {
    const { url, mock } = await startWebSocketServer();
    const gate = mock.gate();
    cleanups.push(() => gate.release());
    mock.enqueueAssistantMessage("after the close", { gate });
    const codex = await Codex.connect(url);
    const thread = await codex.threadStart();
    // Answered during the close, the call rejects as any pending call does (answered before it,
    // its handle's run() does).
    const outcome = thread.turn("go").then(
      (turn) => turn.run().catch((e: unknown) => e),
      (e: unknown) => e,
    );
    await new Promise((resolve) => setImmediate(resolve));
    await codex.close();
    expect(await outcome).toBeInstanceOf(TransportClosedError);
    expect(await settledTurns(url, thread.id)).toEqual(["interrupted"]);
  });

  it("pauses on close the goal it runs, and interrupts its turn", async () => {
    const { url, mock } = await startWebSocketServer();
    const gate = mock.gate();
    cleanups.push(() => gate.release());
    mock.enqueueAssistantMessage("drafting", { gate });
    const codex = await Codex.connect(url);
    const thread = await codex.threadStart();
    const running = thread.runGoal("write a haiku").catch((e: unknown) => e);
    await gate.reached;
    await codex.close();
    expect(await running).toBeInstanceOf(TransportClosedError);
    expect(await settledTurns(url, thread.id, "paused")).toEqual(["interrupted"]);
  });

  it("pauses on close a goal between two of its turns, and interrupts the next one", async () => {
    const { url, mock } = await startWebSocketServer();
    const gate = mock.gate();
    cleanups.push(() => gate.release());
    mock.enqueueAssistantMessage("drafting");
    mock.enqueueAssistantMessage("still drafting", { gate });
    const codex = await Codex.connect(url);
    const thread = await codex.threadStart();
    // Closed as the goal's first turn completes: the runtime starts its next one at once.
    const closing = new Promise<void>((resolve) => {
      const off = codex.on("turn/completed", () => {
        off();
        resolve(codex.close());
      });
    });
    const running = thread.runGoal("write a haiku").catch((e: unknown) => e);
    await closing;
    expect(await running).toBeInstanceOf(TransportClosedError);
    expect(await settledTurns(url, thread.id, "paused")).not.toContain("inProgress");
  });

  it("keeps the abort's error of a goal run its signal stopped just before the close", async () => {
    const { url, mock } = await startWebSocketServer();
    const gate = mock.gate();
    cleanups.push(() => gate.release());
    mock.enqueueAssistantMessage("drafting", { gate });
    const codex = await Codex.connect(url);
    const thread = await codex.threadStart();
    const controller = new AbortController();
    const running = thread
      .runGoal("write a haiku", { signal: controller.signal })
      .catch((e: unknown) => e);
    await gate.reached;
    // A SIGINT handler: stop the run, then close the client.
    controller.abort();
    await codex.close();
    const err = await running;
    expect(
      err instanceof TurnAbortedError || err instanceof TransportClosedError,
      String(err),
    ).toBe(true);
  });

  it("sends the capability token, and a wrong one is refused with a clear error", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "codex-sdk-ws-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const tokenFile = path.join(dir, "token");
    await writeFile(tokenFile, "s3cret-capability\n", { mode: 0o600 });
    const { url } = await startWebSocketServer([
      "--ws-auth",
      "capability-token",
      "--ws-token-file",
      tokenFile,
    ]);
    const codex = await Codex.connect(url, { token: "s3cret-capability" });
    expect((await codex.models()).data.length).toBeGreaterThan(0);
    await codex.close();

    const err = await Codex.connect(url, { token: "wrong" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportClosedError);
    expect((err as Error).message).toMatch(/refused|401|failed/);
  });

  it("reaches the unix:// control socket, which speaks WebSocket", async () => {
    const mock = await startMockResponsesServer();
    cleanups.push(() => mock.close());
    const home = await createCodexHome({ mockUrl: mock.url });
    cleanups.push(() => home.cleanup());
    const socket = path.join(home.codexHome, "control.sock");
    const child = spawn(locateRuntime().binary, ["app-server", "--listen", `unix://${socket}`], {
      cwd: home.workDir,
      env: { ...process.env, ...home.env, RUST_LOG: "info" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    cleanups.push(() => stop(child));
    await waitForOutput(child, "control socket listening");

    mock.enqueueAssistantMessage("hello over the control socket");
    const codex = await Codex.connect(`unix://${socket}`);
    const thread = await codex.threadStart();
    expect((await thread.run("hi")).finalResponse).toBe("hello over the control socket");
    await codex.close();
  });

  it("rejects a URL it cannot dial before any I/O", async () => {
    await expect(Codex.connect("http://127.0.0.1:1")).rejects.toThrow(
      /ws:\/\/, wss:\/\/ or unix:\/\//,
    );
    await expect(Codex.connect("not a url")).rejects.toThrow(TypeError);
    await expect(Codex.connect("unix://")).rejects.toThrow(/socket's path/);
    await expect(Codex.connect("ws://127.0.0.1:1/\ud800")).rejects.toThrow(
      "url holds a lone surrogate",
    );
    for (const path of ["/tmp/%ZZ", "/tmp/%ED%A0%80"]) {
      await expect(Codex.connect(`unix://${path}`)).rejects.toThrow(
        new TypeError("url has a percent escape in its path that is no UTF-8 text"),
      );
    }
  });

  it("refuses a bad token or header before dialling, and nothing escapes to the host", async () => {
    const server = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    let dialled = 0;
    server.on("connection", () => dialled++);
    const url = `ws://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    cleanups.push(() => void process.off("unhandledRejection", onUnhandled));
    const refused = (options: object) =>
      failure(Codex.connect(url, { startTimeout: 5000, ...options }));

    const badToken = await refused({ token: "SECRET-TOKEN\nX-Other: 1" });
    expect(badToken).toBeInstanceOf(TypeError);
    expect(badToken.message).toBe("token must not contain control characters such as newlines");
    expect(String((await refused({ token: "caf\u20ac-token" })).message)).toMatch(
      /^token may hold only Latin-1/,
    );
    expect((await refused({ headers: { "bad name": "v" } })).message).toBe(
      'headers: "bad..." is not a valid HTTP header name: its character 4 is a space',
    );
    const nul = await refused({ headers: { "x-key": "SECRET\0VALUE" } });
    expect(nul.message).toBe("headers.x-key must not contain control characters such as newlines");
    expect((await refused({ headers: { "x-n": 5 } })).message).toBe(
      "headers.x-n must be a string, got number",
    );
    expect((await refused({ headers: { "x-a": "1", "X-A": "2" } })).message).toBe(
      'headers has "x-a" and "X-A": header names ignore case',
    );
    expect((await refused({ token: "t", headers: { Authorization: "Bearer u" } })).message).toBe(
      "headers.Authorization and token both set the Authorization header: give one",
    );
    for (const name of ["Sec-WebSocket-Key", "Sec-WebSocket-Protocol", "Transfer-Encoding"]) {
      expect((await refused({ headers: { [name]: "chunked" } })).message).toBe(
        `headers.${name} is set by the WebSocket handshake itself`,
      );
    }
    // The URL's user name and password become a Basic Authorization header the token would
    // silently replace.
    const userInfo = url.replace("ws://", "ws://user:URL-PASSWORD@");
    expect((await failure(Codex.connect(userInfo, { token: "t" }))).message).toBe(
      "url's user name or password and token both set the Authorization header: give one",
    );
    const headers = { authorization: "Bearer u" };
    expect((await failure(Codex.connect(userInfo, { headers }))).message).toBe(
      "headers.authorization and url's user name or password both set the Authorization header: give one",
    );
    expect((await refused({ pingInterval: -1 })).message).toMatch(/^pingInterval must be a number/);
    expect((await refused({ headers: [] })).message).toBe(
      "headers must be an object, got an array",
    );
    const getter = {
      get "x-a"(): string {
        throw new Error("getter boom");
      },
    };
    expect((await refused({ headers: getter })).message).toBe("getter boom");
    // A dial is seen only once the listener accepts it: one that goes through is counted after
    // every dial made before it.
    expect(await refused({})).toBeInstanceOf(TransportClosedError);
    await new Promise((resolve) => setImmediate(resolve));
    expect(dialled).toBe(1);
    expect(unhandled).toEqual([]);
  });

  it("never shows a password or query of the URL in its errors", async () => {
    const port = await freePort();
    const closed = await failure(
      Codex.connect(`ws://user:URL-PASSWORD@127.0.0.1:${port}/path?token=URL-QUERY-TOKEN`),
    );
    expect(closed).toBeInstanceOf(TransportClosedError);
    expect(closed.message).toContain(`ws://127.0.0.1:${port}/path failed`);
    const refusals = await Promise.all(
      [
        "http://user:URL-PASSWORD@127.0.0.1:1/",
        "ws://user:URL-PASSWORD@bad host/",
        "ws://127.0.0.1:1/#URL-PASSWORD",
      ].map((bad) => failure(Codex.connect(bad))),
    );
    expect(refusals.map((e) => e.message)).toEqual([
      "url must start with ws://, wss:// or unix://, got http://",
      "url must be a valid URL, such as ws://127.0.0.1:4500",
      "url must not have a fragment (#...)",
    ]);
    for (const err of [closed, ...refusals]) {
      expect(`${err.stack} ${String(err.cause)}`).not.toMatch(/URL-PASSWORD|URL-QUERY-TOKEN/);
    }
  });

  it("sends a message longer than the server's 16 MiB frames in frames, and refuses one over 64 MiB before sending it, keeping the connection", async () => {
    const { url } = await startWebSocketServer();
    const codex = await Codex.connect(url);
    cleanups.push(() => codex.close());
    // 20 MiB of stdin is a command/exec/write of about 27 MiB: in one frame the server drops
    // the connection.
    const size = 20 * 2 ** 20;
    const count = await codex.exec(["wc", "-c"], { stdin: true });
    await count.write(new Uint8Array(size).fill(120));
    await count.closeStdin();
    expect((await count.wait()).stdout.trim()).toBe(String(size));

    // 50 MiB is a write of 66.7 MiB: sent, the server would end the connection.
    const tooBig = await codex.exec(["wc", "-c"], { stdin: true });
    const err = await tooBig.write(new Uint8Array(50 * 2 ** 20)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RangeError);
    expect((err as Error).message).toBe(
      "the params of command/exec/write come to 66.7 MiB as JSON, over the 64 MiB the " +
        "app-server takes over WebSocket",
    );
    // Nothing of it reached the command, which goes on taking stdin, on a connection still open.
    await tooBig.write(new Uint8Array(3).fill(120));
    await tooBig.closeStdin();
    expect((await tooBig.wait()).stdout.trim()).toBe("3");
    expect((await codex.models()).data.length).toBeGreaterThan(0);
  });

  it("reports a tool output over 64 MiB to the model as a failed call, and on the stream", async () => {
    const { url, mock } = await startWebSocketServer();
    const codex = await Codex.connect(url);
    cleanups.push(() => codex.close());
    const huge = "x".repeat(65 * 2 ** 20);
    const thread = await codex.threadStart({ tools: [{ name: "dump", handler: () => huge }] });
    mock.enqueue(sse.functionCall("dump", {}, { callId: "c1" }));
    mock.enqueueAssistantMessage("done");
    const turn = await thread.turn("dump it");
    const failures: string[] = [];
    for await (const event of turn.stream()) {
      if (event.method === "client/handlerError") failures.push(event.params.message);
    }
    const why =
      "the answer comes to 65.0 MiB as JSON, over the 64 MiB the app-server takes over WebSocket";
    expect(failures).toEqual([why]);
    expect(functionCallOutputs(mock.responsesRequests[1]!)).toEqual([
      expect.objectContaining({ call_id: "c1", output: expect.stringContaining(why) }),
    ]);
    expect((await turn.run()).finalResponse).toBe("done");
  });

  it("takes a message from the server over the ws package's 100 MiB default: a read of an 80 MiB file", async () => {
    const { url, home } = await startWebSocketServer();
    const codex = await Codex.connect(url);
    cleanups.push(() => codex.close());
    const file = path.join(home.workDir, "large.bin");
    await writeFile(file, Buffer.alloc(80 * 2 ** 20, 120));
    // In base64 the answer is 106.7 MiB: with ws's default bound the connection ended.
    const { dataBase64 } = await codex.request("fs/readFile", { path: file });
    expect(dataBase64).toHaveLength(Math.ceil((80 * 2 ** 20) / 3) * 4);
    expect(Buffer.from(dataBase64, "base64").every((byte) => byte === 120)).toBe(true);
  });

  it("fails only the call a message too long to hold answers, and the connection goes on", async () => {
    const { url, home } = await startWebSocketServer();
    const codex = await Codex.connect(url);
    cleanups.push(() => codex.close());
    const file = path.join(home.workDir, "huge.bin");
    await writeFile(file, Buffer.alloc(400 * 2 ** 20, 120));
    // 533 MiB of base64: decoding the message threw inside ws, and the call waited for ever.
    const err = await codex.request("fs/readFile", { path: file }).catch((e: unknown) => e);
    await rm(file);
    expect((err as Error).message).toBe(
      "the answer to fs/readFile is longer than a JavaScript string can hold " +
        "(536,870,888 characters); it was dropped",
    );
    expect((await codex.models()).data.length).toBeGreaterThan(0);
  }, 60_000);

  it("keeps a connection the real server answers pings on", async () => {
    const { url } = await startWebSocketServer();
    const pings = vi.spyOn(WebSocket.prototype, "ping");
    cleanups.push(() => pings.mockRestore());
    // Long enough for a busy host's server to answer each ping before the next is due.
    const codex = await Codex.connect(url, { pingInterval: 200 });
    cleanups.push(() => codex.close());
    // Five pings with nothing else said: only the server's pongs keep the connection. Pings went
    // out (a client that never pinged would keep the connection too) ...
    await vi.waitFor(() => expect(pings.mock.calls.length).toBeGreaterThanOrEqual(5), {
      timeout: 5000,
      interval: 20,
    });
    // ... and the connection is still up.
    expect((await codex.models()).data.length).toBeGreaterThan(0);
  });

  it("fails with TransportClosedError when nothing listens there", async () => {
    const port = await freePort();
    const err = await Codex.connect(`ws://127.0.0.1:${port}`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportClosedError);
    expect((err as Error).message).toContain(`127.0.0.1:${port}`);
  });
});

describe("two clients on one thread", () => {
  // Clients A and B of one app-server, and a thread of A's that ran a first turn.
  async function twoClients() {
    const { url, mock } = await startWebSocketServer();
    const a = await Codex.connect(url);
    cleanups.push(() => a.close());
    const b = await Codex.connect(url);
    cleanups.push(() => b.close());
    const theirs = await a.threadStart();
    mock.enqueueAssistantMessage("first");
    await theirs.run("first");
    return { url, mock, b, theirs };
  }

  it("a compaction or review waits for the other client's running turn instead of interrupting it", async () => {
    const { mock, b, theirs } = await twoClients();
    // B follows the thread before A's next turn starts, so it sees that turn start.
    const mine = await b.threadResume(theirs.id);
    const seen = (method: "turn/started" | "turn/completed") =>
      new Promise<void>((resolve) => {
        const off = b.on(method, () => {
          off();
          resolve();
        });
      });
    for (const ask of ["compact", "review"] as const) {
      const gate = mock.gate();
      mock.enqueue(sse.assistantMessage(`A's answer before the ${ask}`), { gate });
      mock.enqueueAssistantMessage(`B's ${ask}`);
      const started = seen("turn/started");
      const handle = await theirs.turn(`A's task before the ${ask}`);
      await Promise.all([gate.reached, started]);
      const completed = seen("turn/completed");
      const asked = ask === "compact" ? mine.compact() : mine.review({ instructions: "look" });
      // A's turn goes on to its answer, which the request would have interrupted.
      gate.release();
      await expect(handle.run()).resolves.toMatchObject({
        status: "completed",
        finalResponse: `A's answer before the ${ask}`,
      });
      await completed;
      const answered = await asked;
      if (ask === "review") await (answered as Awaited<ReturnType<typeof mine.review>>).run();
    }
    expect(mock.pending).toBe(0);
  });

  it("marks each client's input, which the runtime writes on the turn's user message for the others to read", async () => {
    // What tells a turn another client's input started, whose start raced this client's, from
    // this client's own as it closes.
    const { mock, b, theirs } = await twoClients();
    const mine = await b.threadResume(theirs.id);
    const seenByB: unknown[] = [];
    const off = b.on("item/started", ({ item }) => {
      if (item.type === "userMessage") seenByB.push(item.clientId);
    });
    const markOf = (result: TurnResult) =>
      result.items.find((item) => item.type === "userMessage")?.clientId;
    mock.enqueueAssistantMessage("to A");
    const first = markOf(await theirs.run("A's"));
    mock.enqueueAssistantMessage("to B");
    const second = markOf(await mine.run("B's"));
    off();
    expect(first).toEqual(expect.any(String));
    expect(second).toEqual(expect.any(String));
    expect(first).not.toBe(second);
    expect(seenByB).toEqual([first, second]);
  });

  it("a revert waits for the other client's running turn too, instead of interrupting it", async () => {
    const { url, mock, theirs } = await twoClients();
    // A third client, whose log says when its revert waits.
    let waiting!: () => void;
    const waits = new Promise<void>((resolve) => (waiting = resolve));
    const debug = (message: string) => {
      if (message.includes("thread/revert on ")) waiting();
    };
    const logger = { debug, info() {}, warn() {}, error() {} };
    const b = await Codex.connect(url, { logger, logLevel: "debug" });
    cleanups.push(() => b.close());
    const mine = await b.threadResume(theirs.id);
    mock.enqueueAssistantMessage("second");
    const second = await theirs.run("second");
    const gate = mock.gate();
    mock.enqueue(sse.assistantMessage("A's answer"), { gate });
    const started = new Promise<void>((resolve) => {
      const off = b.on("turn/started", () => {
        off();
        resolve();
      });
    });
    const handle = await theirs.turn("A's task");
    await Promise.all([gate.reached, started]);
    const reverted = mine.revert(second.id);
    // Sent at once (the old way), the revert interrupts A's turn; waiting, it logs so.
    await Promise.race([waits, reverted.catch(() => undefined)]);
    gate.release();
    await expect(handle.run()).resolves.toMatchObject({
      status: "completed",
      finalResponse: "A's answer",
    });
    await expect(reverted).resolves.toMatchObject({ thread: { id: theirs.id } });
  });

  it("a compaction of a client that resumed the thread as the other's turn ran waits for it", async () => {
    const { mock, b, theirs } = await twoClients();
    const gate = mock.gate();
    mock.enqueue(sse.assistantMessage("A's answer"), { gate });
    mock.enqueueAssistantMessage("summary");
    const handle = await theirs.turn("A's task");
    await gate.reached;
    // B follows the thread only now: it never sees that turn start.
    const mine = await b.threadResume(theirs.id);
    const compacted = mine.compact();
    gate.release();
    await expect(handle.run()).resolves.toMatchObject({
      status: "completed",
      finalResponse: "A's answer",
    });
    await expect(compacted).resolves.toEqual({});
  });
});

// The fault-injection kit itself (test/support/fault): the scripted stand-in app-server and the
// process guards. What the SDK does with malformed input is tested elsewhere; here only what the
// kit sends, records and how it exits.
import { spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { Codex, SDK_VERSION, TransportClosedError } from "../../src/index.js";
import {
  expectNoChild,
  isAlive,
  settlesWithin,
  trapProcessFaults,
} from "../support/fault/guards.js";
import { startStandin, type Standin } from "../support/fault/standin.js";

const THREAD = { thread: { id: "thr_standin" } };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function standin(options: Parameters<typeof startStandin>[0] = {}): Promise<Standin> {
  const s = await startStandin(options);
  cleanups.push(() => s.close());
  return s;
}

async function start(s: Standin, options: { killGraceMs?: number } = {}): Promise<Codex> {
  const codex = await Codex.start({ launchArgs: s.launchArgs, ...options });
  cleanups.push(() => codex.close());
  return codex;
}

/** Runs the stand-in without the SDK, to see exactly the bytes it writes. */
function spawnRaw(s: Standin) {
  const [command, ...args] = s.launchArgs;
  const child = spawn(command!, args, { stdio: ["pipe", "pipe", "inherit"] });
  const chunks: Buffer[] = [];
  let waiter: (() => void) | undefined;
  child.stdout.on("data", (chunk: Buffer) => {
    chunks.push(chunk);
    waiter?.();
  });
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  return {
    child,
    send: (message: object) => child.stdin.write(JSON.stringify(message) + "\n"),
    /** Resolves with all of stdout so far once `ready` holds for it. */
    async until(ready: (out: Buffer) => boolean): Promise<Buffer> {
      for (;;) {
        const out = Buffer.concat(chunks);
        if (ready(out)) return out;
        await new Promise<void>((resolve) => (waiter = resolve));
      }
    },
  };
}

describe("stand-in app-server", () => {
  it("serves Codex.start like the real server and answers a scripted thread/start", async () => {
    const s = await standin({ replies: { "thread/start": { result: THREAD } } });
    const codex = await start(s);
    expect(codex.metadata.serverInfo).toEqual({
      name: "codex_app_server_sdk_ts",
      version: SDK_VERSION,
    });
    expect(codex.metadata.userAgent.startsWith(`codex_app_server_sdk_ts/${SDK_VERSION} (`)).toBe(
      true,
    );
    expect(codex.pid).toBe(s.pid);

    const thread = await codex.threadStart({ cwd: "/nowhere" });
    expect(thread.id).toBe("thr_standin");

    const init = await s.nextFromClient("initialize");
    expect(init.index).toBe(0);
    expect(init.message?.params).toMatchObject({ clientInfo: { name: "codex_app_server_sdk_ts" } });
    expect((await s.nextFromClient()).method).toBe("initialized");
    const started = await s.nextFromClient("thread/start");
    expect(started.message?.params).toMatchObject({ cwd: "/nowhere" });
    expect(s.received.map((l) => l.method)).toEqual(["initialize", "initialized", "thread/start"]);
    expect(JSON.parse(s.received[2]!.line)).toEqual(started.message);
    expect(s.errors).toEqual([]);
  });

  it("answers call by call from a list, and from a function of the request", async () => {
    const s = await standin({
      replies: {
        "thread/start": [{ error: { code: -32000, message: "first fails" } }, { result: THREAD }],
      },
    });
    const codex = await start(s);
    await expect(codex.threadStart()).rejects.toThrow("first fails");
    expect((await codex.threadStart()).id).toBe("thr_standin");
    expect((await codex.threadStart()).id).toBe("thr_standin");

    await s.reply("thread/start", (request) => ({
      result: { thread: { id: `from-${(request.message?.params as { cwd: string }).cwd}` } },
    }));
    expect((await codex.threadStart({ cwd: "/here" })).id).toBe("from-/here");
  });

  it("sends a server request and hands back the client's answer, matched by id", async () => {
    const s = await standin();
    await start(s);
    const answer = await s.request(
      "item/commandExecution/requestApproval",
      { threadId: "thr_x", turnId: "turn_x", itemId: "item_x", command: "ls" },
      { id: "srv-7" },
    );
    expect(answer.id).toBe("srv-7");
    expect(answer.method).toBeUndefined();
    expect(answer.message).toSatisfy(
      (m: object) => "result" in m || "error" in m,
      "a JSON-RPC answer",
    );
  });

  it("never answers a dropped request, and writes what follows it", async () => {
    const s = await standin({
      replies: {
        "model/list": {
          drop: true,
          then: [{ message: { method: "kit/afterDrop", params: { n: 1 } } }],
        },
      },
    });
    const codex = await start(s);
    const seen = new Promise((resolve) => codex.on("kit/afterDrop", resolve));
    const call = codex.models({ timeout: 150 });
    expect(await seen).toEqual({ n: 1 });
    const settled = await settlesWithin(call, 2000, "models()");
    expect(settled.status).toBe("rejected");
    expect((settled as { reason: Error }).reason.name).toBe("RequestTimeoutError");
  });

  it("exits with the chosen code when a request arrives; the pending call rejects", async () => {
    const s = await standin({ replies: { "model/list": { exit: 3 } } });
    const codex = await start(s);
    const settled = await settlesWithin(codex.models(), 3000, "models()");
    expect(settled.status).toBe("rejected");
    const error = (settled as { reason: unknown }).reason;
    expect(error).toBeInstanceOf(TransportClosedError);
    expect((error as TransportClosedError).exitCode).toBe(3);
    expect(await s.gone).toEqual({ code: 3 });
    await expectNoChild(s.pid);
  });

  it("exits on command while a call is pending", async () => {
    const s = await standin({ replies: { "model/list": { drop: true } } });
    const codex = await start(s);
    const call = codex.models();
    await s.nextFromClient("model/list");
    expect(await s.exit(9)).toEqual({ code: 9 });
    const settled = await settlesWithin(call, 3000, "models()");
    expect((settled as { reason: unknown }).reason).toBeInstanceOf(TransportClosedError);
    expect(((settled as { reason: unknown }).reason as TransportClosedError).exitCode).toBe(9);
  });

  it("writes exactly the raw bytes, text, huge lines and messages it is given", async () => {
    const s = await standin({
      afterInitialize: [{ line: "not json at all" }, { message: [1, 2, 3] }],
    });
    const raw = spawnRaw(s);
    raw.send({ id: 0, method: "initialize", params: { clientInfo: { name: "n", version: "1" } } });
    // The answer's text depends on the machine: it is the first line, whatever its length.
    const first = await raw.until((out) => out.includes(0x0a));
    const answerEnd = first.indexOf(0x0a) + 1;
    const answer = JSON.parse(first.subarray(0, answerEnd).toString()) as {
      id: number;
      result: object;
    };
    expect(answer.id).toBe(0);
    expect(answer.result).toMatchObject({
      userAgent: expect.stringMatching(new RegExp(`^n/${SDK_VERSION.replaceAll(".", "\\.")} `)),
    });
    expect(answer.result).toHaveProperty("codexHome");
    const after = "not json at all\n[1,2,3]\n";

    const invalidUtf8 = Buffer.from([0xff, 0xfe, 0x41, 0xc3, 0x0a, 0x80, 0x42]); // split, bad bytes
    const size = 3 * 1024 * 1024;
    const [prefix, suffix] = ['{"method":"big","params":{"s":"', '"}}'];
    await s.write(
      { bytes: invalidUtf8 },
      { line: "" },
      { bigLine: { size, prefix, suffix } },
      { message: { method: "bad/params", params: 42 } },
    );
    const expected = Buffer.concat([
      Buffer.from(after),
      invalidUtf8,
      Buffer.from("\n"),
      Buffer.from(prefix),
      Buffer.alloc(size - prefix.length - suffix.length, "x"),
      Buffer.from(`${suffix}\n{"method":"bad/params","params":42}\n`),
    ]);
    const all = await raw.until((out) => out.length >= answerEnd + expected.length);
    const out = all.subarray(answerEnd);
    expect(out.equals(expected)).toBe(true);
    expect(s.received.map((l) => l.method)).toEqual(["initialize"]);
  });

  it("records SIGTERM and, told to, outlives it and its closed stdin until SIGKILL", async () => {
    const s = await standin({ ignoreSigterm: true, stayAfterStdinEnd: true });
    const codex = await start(s, { killGraceMs: 100 });
    const pid = s.pid!;
    await codex.close();
    await s.stdinEnded;
    expect(await s.gone).toEqual({ code: null });
    expect(s.signals).toEqual(["SIGTERM"]);
    await expectNoChild(pid);
  });

  it("gives a server that closes its output on SIGTERM the rest of killGraceMs to exit", async () => {
    const s = await standin({ slowExitMs: 400, stayAfterStdinEnd: true });
    const codex = await start(s, { killGraceMs: 5000 });
    const pid = s.pid!;
    await codex.close();
    // It exited by itself, not by SIGKILL once its output had closed.
    expect(await s.gone).toEqual({ code: 0 });
    await expectNoChild(pid);
  });
});

describe("process guards", () => {
  it("records unhandled rejections and uncaught exceptions, and says so", async () => {
    const trap = trapProcessFaults({ exclusive: true });
    try {
      void Promise.reject(new Error("nobody handles me"));
      // Runs before the check-phase turns expectNone waits for.
      setImmediate(() => {
        throw new Error("thrown into the loop");
      });
      await expect(trap.expectNone()).rejects.toThrow(/2 process fault\(s\)/);
      expect(trap.faults.map((f) => f.kind).sort()).toEqual([
        "uncaughtException",
        "unhandledRejection",
      ]);
    } finally {
      trap.dispose();
    }
  });

  it("passes when nothing fired and puts the process's own listeners back", async () => {
    const before = process.listenerCount("unhandledRejection");
    const trap = trapProcessFaults({ exclusive: true });
    expect(process.listenerCount("unhandledRejection")).toBe(1);
    await Promise.reject(new Error("handled")).catch(() => {});
    await trap.expectNone();
    trap.dispose();
    trap.dispose();
    expect(process.listenerCount("unhandledRejection")).toBe(before);
  });

  it("settlesWithin reports how a promise settled, and names a timeout", async () => {
    expect(await settlesWithin(Promise.resolve(1), 100)).toEqual({ status: "fulfilled", value: 1 });
    const boom = new Error("boom");
    expect(await settlesWithin(Promise.reject(boom), 100)).toEqual({
      status: "rejected",
      reason: boom,
    });
    await expect(settlesWithin(new Promise(() => {}), 20, "the never promise")).rejects.toThrow(
      "the never promise did not settle within 20 ms",
    );
  });

  it("isAlive and expectNoChild see a process end", async () => {
    expect(isAlive(process.pid)).toBe(true);
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 10000)"]);
    const exited = new Promise((resolve) => child.once("exit", resolve));
    expect(isAlive(child.pid!)).toBe(true);
    await expect(expectNoChild(child.pid, 50)).rejects.toThrow(/still running/);
    child.kill("SIGKILL");
    await exited;
    await expectNoChild(child.pid);
    expect(isAlive(child.pid!)).toBe(false);
  });
});

import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  Codex,
  CodexError,
  InvalidParamsError,
  InvalidRequestError,
  SDK_VERSION,
  TransportClosedError,
} from "../../src/index.js";
import { locateRuntime } from "../../src/runtime.js";
import { createCodexHome } from "../../src/testing/index.js";
import { expectNoChild, isAlive } from "../support/fault/guards.js";

const run = promisify(execFile);
let home: string;
const env = () => ({
  CODEX_HOME: home,
  CODEX_APP_SERVER_DISABLE_MANAGED_CONFIG: "1",
  RUST_LOG: "warn",
});

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), "codex-sdk-lifecycle-"));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("Codex.start", () => {
  it("initializes against the real runtime and exposes normalised metadata", async () => {
    await using codex = await Codex.start({ env: env(), clientInfo: { name: "lifecycle_test" } });
    expect(codex.metadata.userAgent.split(" ")[0]).toBe(`lifecycle_test/${SDK_VERSION}`);
    expect(codex.metadata.serverInfo.name).toBe("lifecycle_test");
    expect(codex.metadata.serverInfo.version).toBe(SDK_VERSION);
    expect(codex.metadata.platformFamily).toBeTruthy();

    const models = await codex.request("model/list", { includeHidden: false });
    expect(Array.isArray(models.data)).toBe(true);
    expect(models.data.length).toBeGreaterThan(0);
  });

  it("reads the runtime's version after a client name holding a space or a slash", async () => {
    for (const name of ["My App", "acme/bot"]) {
      await using codex = await Codex.start({ env: env(), clientInfo: { name } });
      expect(codex.metadata.serverInfo).toEqual({ name, version: SDK_VERSION });
    }
  });

  it("maps a wrong-typed param to the error class of the server's code, with its message", async () => {
    await using codex = await Codex.start({ env: env() });
    const err = await codex
      .request("thread/start", { cwd: 42 as unknown as string })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CodexError);
    // The server answers invalid params with -32600 ("Invalid request") in the pinned runtime.
    expect(err instanceof InvalidParamsError || err instanceof InvalidRequestError).toBe(true);
    expect((err as InvalidRequestError).rpcMessage).toMatch(/cwd|invalid/i);
  });

  it("passes configOverrides as --config before app-server", async () => {
    await using codex = await Codex.start({
      env: env(),
      configOverrides: { model: "override-model" },
    });
    const started = await codex.request("thread/start", {});
    expect(started.model).toBe("override-model");
  });

  it("keeps what the server says during start-up, such as a warning about the config", async () => {
    // No model is asked here: the provider's URL is never dialled.
    await using home = await createCodexHome({
      mockUrl: "http://127.0.0.1:9/v1",
      features: { no_such_feature: true },
    });
    await using codex = await Codex.start({ env: home.env, cwd: home.workDir });
    // The runtime writes its warnings right after the initialize answer: during start, kept, or
    // a moment later, to a listener added at once. Either way, none is lost.
    const ours = (summary: string) => summary.includes("`features.no_such_feature` is ignored");
    const later: string[] = [];
    const arrived = new Promise<void>((resolve) =>
      codex.on("configWarning", (params) => {
        later.push(params.summary);
        if (ours(params.summary)) resolve();
      }),
    );
    const kept = [...codex.startupNotifications];
    expect(Object.isFrozen(codex.startupNotifications)).toBe(true);
    const keptWarnings = kept.flatMap((n) =>
      n.method === "configWarning" ? [n.params.summary] : [],
    );
    if (!keptWarnings.some(ours)) await arrived;
    await codex.threadStart();
    expect([...keptWarnings, ...later].filter(ours)).toHaveLength(1);
    // Kept no longer once the client is handed out.
    expect(codex.startupNotifications).toEqual(kept);
    expect(kept.map((n) => n.method)).not.toContain("thread/started");
  });

  it("fails fast naming a codexBin that does not exist", async () => {
    await expect(Codex.start({ codexBin: "/nope/codex" })).rejects.toThrow(
      /Codex binary not found at \/nope\/codex/,
    );
  });

  it("throws and leaves no process when the child dies during start-up", async () => {
    const err = await Codex.start({
      launchArgs: [process.execPath, "-e", "console.error('bad start'); process.exit(7)"],
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportClosedError);
    expect((err as TransportClosedError).exitCode).toBe(7);
    expect((err as Error).message).toContain("bad start");
  });
});

describe("start-up options", () => {
  it("passes optOutNotificationMethods to the server, which then stays quiet about them", async () => {
    await using codex = await Codex.start({
      env: env(),
      optOutNotificationMethods: ["thread/started"],
    });
    const seen: string[] = [];
    const off = codex.on("thread/started", () => seen.push("thread/started"));
    const statusChanged = new Promise<void>((resolve) => {
      const stop = codex.on("thread/status/changed", () => {
        stop();
        resolve();
      });
    });
    await codex.request("thread/start", {});
    // The thread/started notification would have come before this later one.
    await Promise.race([statusChanged, codex.models()]);
    off();
    expect(seen).toEqual([]);
  });
});

// Runs `lines` as a program of their own, `Codex` and `Sandbox` imported, and gives its output.
async function runProgram(lines: readonly string[]): Promise<string> {
  const script = [
    `import { Codex, Sandbox } from ${JSON.stringify(path.resolve("src/index.ts"))};`,
    ...lines,
  ].join("\n");
  const flags = ["--import", "tsx", "--input-type=module", "-e", script];
  return (await run(process.execPath, flags)).stdout;
}

// A wrapper that starts, beside the server, a process that ignores SIGTERM, and writes its pid.
function besideWrapper(pidFile: string): string[] {
  const { binary } = locateRuntime();
  const beside = `(trap '' TERM; exec sleep 300) & echo $! > ${pidFile}`;
  return ["sh", "-c", `${beside}; exec "$0" app-server`, binary];
}

describe("process death and close", () => {
  it("keeps the server out of a signal to the program's process group (Ctrl-C)", async () => {
    const script = [
      `import { Codex } from ${JSON.stringify(path.resolve("src/index.ts"))};`,
      `const codex = await Codex.start({ env: ${JSON.stringify(env())} });`,
      "process.once('SIGINT', async () => {",
      "  try {",
      "    await codex.models();",
      "    console.log('alive');",
      "  } catch (err) {",
      "    console.log(`gone: ${err.message.split('\\n')[0]}`);",
      "  }",
      "  await codex.close();",
      "});",
      "console.log('ready');",
    ].join("\n");
    // The program leads a group of its own, as a shell's foreground job does: the signal goes
    // to that group, not to this test's.
    const host = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      detached: true,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    const ended = new Promise<number | null>((resolve) => host.once("exit", resolve));
    await new Promise<void>((resolve) =>
      host.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes("ready")) resolve();
      }),
    );
    process.kill(-host.pid!, "SIGINT");
    expect(await ended).toBe(0);
    expect(out.trim().split("\n")).toEqual(["ready", "alive"]);
  });

  it("does not let the child outlive a parent that exits without closing", async () => {
    const stdout = await runProgram([
      `const codex = await Codex.start({ env: ${JSON.stringify(env())} });`,
      "console.log(codex.pid);",
      "process.exit(0);",
    ]);
    const pid = Number(stdout.trim());
    expect(pid).toBeGreaterThan(0);
    // The parent's exit hook sends SIGTERM; the server ends after the parent is gone, with no
    // event this test could wait for.
    await expectNoChild(pid);
  });

  it("ends the commands its server runs when the program exits without closing", async () => {
    // A command of the runtime runs in a process group of its own: only the server, ended by
    // SIGTERM (not SIGKILL), ends it, and what it started in the background.
    const stdout = await runProgram([
      `const codex = await Codex.start({ env: ${JSON.stringify(env())} });`,
      'const command = await codex.exec(["sh", "-c", "sleep 300 & echo $!; wait"], {',
      "  sandbox: Sandbox.fullAccess,",
      "});",
      "for await (const chunk of command.stdout) {",
      "  console.log(chunk.trim());",
      "  process.exit(0);",
      "}",
    ]);
    const background = Number(stdout.trim());
    expect(background).toBeGreaterThan(0);
    await expectNoChild(background);
  });

  it("close() ends what a wrapper given as launchArgs started beside the server, SIGTERM ignored", async () => {
    const pidFile = path.join(home, "beside.pid");
    const codex = await Codex.start({ env: env(), launchArgs: besideWrapper(pidFile) });
    const beside = Number(await readFile(pidFile, "utf8"));
    expect(isAlive(beside)).toBe(true);
    await codex.close();
    await expectNoChild(beside);
  });

  it("ends what a wrapper started beside a server that crashed, and close() then signals no group", async () => {
    const pidFile = path.join(home, "beside-crash.pid");
    const codex = await Codex.start({ env: env(), launchArgs: besideWrapper(pidFile) });
    const beside = Number(await readFile(pidFile, "utf8"));
    // Stopped first: a server on another core could answer before the kill lands.
    process.kill(codex.pid!, "SIGSTOP");
    const pending = codex.models();
    process.kill(codex.pid!, "SIGKILL");
    await expect(pending).rejects.toBeInstanceOf(TransportClosedError);
    // Swept as its end was read, before any close(): its group was still the server's.
    await expectNoChild(beside);
    // Once its group is empty, its id may name another process's: close() leaves it alone.
    const kill = vi.spyOn(process, "kill");
    try {
      await codex.close();
      expect(kill).not.toHaveBeenCalled();
    } finally {
      kill.mockRestore();
    }
  });

  it("ends what a wrapper started beside a crashed server whose output has not ended, at close() or at the exit", async () => {
    // The exit seen (no pid given), the output not ended (the process beside holds the pipes).
    const crash = [
      "process.kill(codex.pid, 'SIGKILL');",
      "while (codex.pid !== undefined) await new Promise((r) => setImmediate(r));",
    ];
    for (const [name, end] of [
      ["crash-close", ["await codex.close();", "process.exit(0);"]],
      ["crash-exit", ["process.exit(0);"]],
    ] as const) {
      const pidFile = path.join(home, `beside-${name}.pid`);
      await runProgram([
        `const codex = await Codex.start({ env: ${JSON.stringify(env())}, launchArgs: ${JSON.stringify(besideWrapper(pidFile))} });`,
        ...crash,
        ...end,
      ]);
      const beside = Number(await readFile(pidFile, "utf8"));
      try {
        await expectNoChild(beside);
      } finally {
        if (isAlive(beside)) process.kill(beside, "SIGKILL");
      }
    }
  });

  it("ends what a wrapper started beside the server when the program exits without closing", async () => {
    const pidFile = path.join(home, "beside-exit.pid");
    await runProgram([
      `await Codex.start({ env: ${JSON.stringify(env())}, launchArgs: ${JSON.stringify(besideWrapper(pidFile))} });`,
      "process.exit(0);",
    ]);
    await expectNoChild(Number(await readFile(pidFile, "utf8")));
  });

  it("rejects an in-flight request with TransportClosedError carrying the stderr tail", async () => {
    // info logging makes the server write to stderr during start-up, so there is a tail to show.
    const codex = await Codex.start({ env: { ...env(), RUST_LOG: "info" } });
    const pid = codex.pid!;
    // Stopped first: a server on another core could answer before the kill lands.
    process.kill(pid, "SIGSTOP");
    const inflight = codex.request("model/list", { includeHidden: true });
    process.kill(pid, "SIGKILL");
    const err = (await inflight.catch((e: unknown) => e)) as TransportClosedError;
    expect(err).toBeInstanceOf(TransportClosedError);
    expect(err.signal).toBe("SIGKILL");
    expect(err.stderrTail.length).toBeGreaterThan(0);
    expect(err.message).toContain(err.stderrTail);
    await codex.close();
    expect(isAlive(pid)).toBe(false);
  });

  it("close() is idempotent and leaves no child process", async () => {
    const codex = await Codex.start({ env: env() });
    const pid = codex.pid!;
    expect(isAlive(pid)).toBe(true);
    await Promise.all([codex.close(), codex.close()]);
    await codex.close();
    expect(isAlive(pid)).toBe(false);
    // The id of a process that has ended may soon name another: it is no longer given.
    expect(codex.pid).toBeUndefined();
    await expect(codex.models()).rejects.toBeInstanceOf(TransportClosedError);
  });

  it("keeps an exit hook on the process while a server runs, and only then", async () => {
    const before = process.listenerCount("exit");
    const first = await Codex.start({ env: env() });
    const second = await Codex.start({ env: env() });
    expect(process.listenerCount("exit")).toBe(before + 1);
    await first.close();
    expect(process.listenerCount("exit")).toBe(before + 1);
    await second.close();
    expect(process.listenerCount("exit")).toBe(before);
  });

  it("close() lets the program end at once: no timer of its own is left", async () => {
    // The kill's grace timer (killGraceMs, 2 s) would hold the program that long after close().
    const t0 = Date.now();
    const stdout = await runProgram([
      `const codex = await Codex.start({ env: ${JSON.stringify(env())} });`,
      "await codex.close();",
      "console.log(Date.now());",
    ]);
    const closedAt = Number(stdout.trim());
    expect(closedAt).toBeGreaterThan(t0);
    expect(Date.now() - closedAt).toBeLessThan(1_500);
  });
});

import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { TransportClosedError } from "../../src/errors.js";
import { Codex } from "../../src/codex.js";
import { Secrets } from "../../src/internal/redact.js";
import { Connection } from "../../src/rpc/connection.js";
import { StdioTransport } from "../../src/transport/stdio.js";
import { expectStepTimedOut, silentOn } from "../support/slow-start.js";

describe("StdioTransport's exit hook", () => {
  it("takes its process 'exit' listener off once its child has ended, start after start", async () => {
    const sink = { line() {}, overlong() {}, writeFailed() {}, dropped() {}, closed() {} };
    const before = process.listenerCount("exit");
    for (let i = 0; i < 3; i++) {
      const transport = new StdioTransport({
        command: process.execPath,
        args: ["-e", "setInterval(() => {}, 1000)"],
        env: process.env,
        killGraceMs: 2000,
      });
      transport.start(sink);
      expect(process.listenerCount("exit")).toBe(before + 1);
      await transport.close();
    }
    expect(process.listenerCount("exit")).toBe(before);
  });
});

describe("StdioTransport's stderr tail", () => {
  it("shows no part of a key the server printed where the tail is cut", async () => {
    const key = "sk-proj-" + "A1b2C3d4E5f6G7h8I9j0".repeat(4);
    // The tail keeps 4000 characters: the filler puts that cut three characters into the key.
    const filler = "z".repeat(4000 - (key.length - 3) - 1);
    const stderr = `Authorization: Bearer ${key}\n${filler}\n`;
    const script = `process.stderr.write(${JSON.stringify(stderr)}, () => process.exit(3));`;
    const secrets = new Secrets();
    secrets.add(key);
    const connection = new Connection(
      new StdioTransport({ command: process.execPath, args: ["-e", script], env: {} }),
      { secrets },
    );
    const err = (await connection.request("initialize", {}).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(TransportClosedError);
    const { exitCode, stderrTail } = err as TransportClosedError;
    expect(exitCode).toBe(3);
    expect(stderrTail.endsWith(filler)).toBe(true);
    for (const text of [stderrTail, err.message]) {
      for (let at = 0; at + 8 <= key.length; at++)
        expect(text).not.toContain(key.slice(at, at + 8));
    }
  });

  it("holds what the server's helpers write to stderr until it closes, after the exit", async () => {
    // The server exits at once; a helper it started, sharing its stderr only, writes a moment later.
    const helper = `sleep 0.05; echo "helper's last words" >&2`;
    const script =
      `const options = { stdio: ["ignore", "ignore", "inherit"] };` +
      `require("node:child_process").spawn("/bin/sh", ["-c", ${JSON.stringify(helper)}], options);` +
      `process.stderr.write("server gone\\n", () => process.exit(3));`;
    const connection = new Connection(
      new StdioTransport({ command: process.execPath, args: ["-e", script], env: {} }),
    );
    const err = (await connection.request("initialize", {}).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(TransportClosedError);
    expect((err as TransportClosedError).exitCode).toBe(3);
    expect((err as TransportClosedError).stderrTail).toBe("server gone\nhelper's last words");
  });
});

describe("a server that ends before it answers anything", () => {
  const ending = async (script: string, secrets?: Secrets) => {
    const transport = new StdioTransport({
      command: process.execPath,
      args: ["-e", script],
      env: {},
    });
    const connection = new Connection(transport, { secrets });
    const first = await connection.request("initialize", {}).catch((e: unknown) => e);
    const err = await connection.request("model/list", {}).catch((e: unknown) => e);
    return { first, err: err as TransportClosedError };
  };

  it("is shown ending with what it wrote to stdout that was no JSON-RPC, redacted", async () => {
    const token = "sk-wrapper-0123456789abcdef";
    const secrets = new Secrets();
    secrets.add(token);
    const script = [
      "console.log('Usage: codex [OPTIONS] <PROMPT>');",
      `console.log('\\u001b[31merror:\\u001b[0m no subcommand app-server (key ${token})');`,
      `console.log(JSON.stringify({ level: "ERROR", message: "unknown flag --listen" }));`,
      // Cut at 400 characters, neither inside a colour code nor inside a character.
      `console.log('x'.repeat(396) + '\\u001b[31m' + 'y'.repeat(10));`,
      `console.log('x'.repeat(399) + '\\u{1F600}');`,
    ].join("");
    const { err } = await ending(script, secrets);
    expect(err).toBeInstanceOf(TransportClosedError);
    expect(err.message).toBe(
      "codex app-server exited with code 0\n" +
        "what it sent before any answer, which is no JSON-RPC:\n" +
        "Usage: codex [OPTIONS] <PROMPT>\nerror: no subcommand app-server (key [redacted])\n" +
        '{"level":"ERROR","message":"unknown flag --listen"}\n' +
        `${"x".repeat(396)}yyyy…\n${"x".repeat(399)}…`,
    );
  });

  it("is shown without it once the server answered", async () => {
    const answer = JSON.stringify({ id: 1, result: {} });
    const script = `console.log('a banner'); console.log(${JSON.stringify(answer)});`;
    const { first, err } = await ending(script);
    expect(first).toEqual({});
    expect(err.message).toBe("codex app-server exited with code 0");
  });
});

describe("StdioTransport's spawn failure", () => {
  it("keeps the command line out of the error, which may hold a token", async () => {
    const token = "sk-bearer-9f8e7d6c5b4a";
    const connection = new Connection(
      new StdioTransport({
        command: "/nonexistent/codex",
        args: ["app-server", "--config", `model_providers.x.experimental_bearer_token="${token}"`],
        env: {},
      }),
    );
    const err = (await connection.request("initialize", {}).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(TransportClosedError);
    expect(err.cause).toMatchObject({ code: "ENOENT", syscall: "spawn /nonexistent/codex" });
    expect(inspect(err, { depth: 10, showHidden: true })).not.toContain(token);
    expect(JSON.stringify(err.cause)).not.toContain(token);
  });

  it("names a missing working directory, which Node reports as a missing binary", async () => {
    const connection = new Connection(
      new StdioTransport({
        command: process.execPath,
        args: [],
        cwd: "/nonexistent/work",
        env: {},
      }),
    );
    const err = (await connection.request("initialize", {}).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(TransportClosedError);
    expect(err.message).toBe(
      "could not run codex app-server: the working directory /nonexistent/work does not exist",
    );
  });

  it("names the missing interpreter of a script that exists, which Node reports as a missing binary", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "codex-sdk-script-"));
    try {
      const script = path.join(dir, "codex");
      writeFileSync(script, "#!/no/such/interpreter\n", { mode: 0o755 });
      const connection = new Connection(new StdioTransport({ command: script, args: [], env: {} }));
      const err = (await connection.request("initialize", {}).catch((e: unknown) => e)) as Error;
      expect(err).toBeInstanceOf(TransportClosedError);
      expect(err.message).toBe(
        `could not run codex app-server: spawn ${script} ENOENT: ${script} exists, but the ` +
          "interpreter its first line (#!) names was not found",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("names an interpreter that may not be run, which Node reports as the script refused", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "codex-sdk-script-"));
    try {
      const interpreter = path.join(dir, "interpreter");
      writeFileSync(interpreter, "#!/bin/sh\n", { mode: 0o644 });
      const script = path.join(dir, "codex");
      writeFileSync(script, `#!${interpreter}\n`, { mode: 0o755 });
      const connection = new Connection(new StdioTransport({ command: script, args: [], env: {} }));
      const err = (await connection.request("initialize", {}).catch((e: unknown) => e)) as Error;
      expect(err).toBeInstanceOf(TransportClosedError);
      expect(err.message).toBe(
        `could not run codex app-server: spawn ${script} EACCES: ${script} may be run, but the ` +
          "interpreter its first line (#!) names cannot be (it is not executable, or a directory)",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("says nothing of a #! line for a binary whose loader is missing or may not be run", async () => {
    // A program built for another C library (glibc's on musl) names a loader the system lacks.
    const elf = readFileSync("/bin/true");
    const loader = /\/lib[^\0]*\/ld-linux[^\0]*\.so\.\d/.exec(elf.toString("latin1"));
    expect(loader).not.toBeNull();
    // Short, as the loader's path is patched in place.
    const dir = mkdtempSync("/tmp/e");
    try {
      const closedLoader = path.join(dir, "ld");
      copyFileSync(loader![0], closedLoader);
      chmodSync(closedLoader, 0o644);
      const messages: string[] = [];
      for (const named of [path.join(dir, "missing"), closedLoader]) {
        expect(named.length).toBeLessThanOrEqual(loader![0].length);
        const patched = Buffer.from(elf);
        patched.fill(0, loader!.index, loader!.index + loader![0].length);
        patched.write(named, loader!.index, "latin1");
        const program = path.join(dir, "codex");
        writeFileSync(program, patched, { mode: 0o755 });
        const connection = new Connection(
          new StdioTransport({ command: program, args: [], env: {} }),
        );
        const err = (await connection.request("initialize", {}).catch((e: unknown) => e)) as Error;
        rmSync(program);
        messages.push(err.message);
      }
      const program = path.join(dir, "codex");
      expect(messages).toEqual([
        `could not run codex app-server: spawn ${program} ENOENT`,
        `could not run codex app-server: spawn ${program} EACCES`,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("names a working directory that may not be entered, which Node reports as the binary refused", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "codex-sdk-closed-"));
    try {
      chmodSync(dir, 0o000);
      // Root enters any directory: as root, the child runs without the capabilities that let it.
      const probe = [
        "import { Connection } from './src/rpc/connection.ts';",
        "import { StdioTransport } from './src/transport/stdio.ts';",
        "const launch = { command: process.execPath, args: [], cwd: process.argv[1], env: {} };",
        "const connection = new Connection(new StdioTransport(launch));",
        "const err = await connection.request('initialize', {}).catch((e) => e);",
        "console.log(JSON.stringify(err.message));",
      ].join("\n");
      const node = [process.execPath, "--import", "tsx", "--input-type=module", "-e", probe, dir];
      const root = process.getuid?.() === 0;
      const [command, ...args] = root
        ? ["setpriv", "--bounding-set=-dac_override,-dac_read_search", ...node]
        : node;
      const repo = fileURLToPath(new URL("../..", import.meta.url));
      const run = spawnSync(command!, args, { cwd: repo, encoding: "utf8", timeout: 30_000 });
      expect(run.stderr).toBe("");
      expect(JSON.parse(run.stdout)).toBe(
        `could not run codex app-server: the working directory ${dir} cannot be entered (EACCES: permission denied)`,
      );
    } finally {
      chmodSync(dir, 0o700);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("looks for a relative command where the child ran, and is told no more by a path it cannot look at", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "codex-sdk-cwd-"));
    const loops = mkdtempSync(path.join(tmpdir(), "codex-sdk-loop-"));
    try {
      symlinkSync("loop", path.join(loops, "loop"));
      // Deep enough that a path relative to this process's directory leads nowhere from it.
      const cwd = path.join(dir, "a", "b", "c");
      mkdirSync(cwd, { recursive: true });
      const failure = async (command: string) => {
        const transport = new StdioTransport({ command, args: [], cwd, env: {} });
        const connection = new Connection(transport);
        const err = (await connection.request("initialize", {}).catch((e: unknown) => e)) as Error;
        await connection.close();
        return err;
      };
      // There from this process's directory, not from the child's.
      const here = "test/unit/stdio-stderr.test.ts";
      expect((await failure(here)).message).toBe(
        `could not run codex app-server: spawn ${here} ENOENT`,
      );
      // A symbolic link that loops, seen from here: the child sees none (ENOENT), and looking at
      // it from here would fail (ELOOP), which once escaped the child's error event.
      const looping = `${path.relative(process.cwd(), loops)}/loop/codex`;
      expect((await failure(looping)).message).toBe(
        `could not run codex app-server: spawn ${looping} ENOENT`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(loops, { recursive: true, force: true });
    }
  });

  it("reports spawn failures Node throws (a file as the cwd, an oversized argument) the same way", async () => {
    const failure = async (launch: { cwd?: string; args?: string[] }) => {
      const connection = new Connection(
        new StdioTransport({ command: process.execPath, args: [], env: {}, ...launch }),
      );
      return (await connection.request("initialize", {}).catch((e: unknown) => e)) as Error;
    };
    const file = await failure({ cwd: process.execPath });
    expect(file).toBeInstanceOf(TransportClosedError);
    expect(file.message).toBe(
      `could not run codex app-server: the working directory ${process.execPath} is not a directory`,
    );
    // A path through a file: looking at it to say why fails too (ENOTDIR), and that is the why.
    const through = `${process.execPath}/sub`;
    const notDir = await failure({ cwd: through });
    expect(notDir).toBeInstanceOf(TransportClosedError);
    expect(notDir.message).toMatch(
      new RegExp(
        `^could not run codex app-server: the working directory ${through} cannot be used: ENOTDIR`,
      ),
    );
    const huge = await failure({ args: ["x".repeat(3_000_000)] });
    expect(huge).toBeInstanceOf(TransportClosedError);
    expect(huge.message).toMatch(/^could not run codex app-server: .*\(E2BIG\)/);
    expect(huge.message.length).toBeLessThan(300);
  });
});

describe("Codex.start's login of its apiKey", () => {
  it("ends within startTimeout, counted from the spawn, with what the server wrote to stderr", async () => {
    const server = silentOn("account/login/start", "login seen");
    try {
      const apiKey = "sk-test-0123456789abcdef";
      await expectStepTimedOut(
        () => Codex.start({ codexBin: server.file, apiKey, startTimeout: 1500 }),
        "account/login/start",
        "login seen",
      );
    } finally {
      server.cleanup();
    }
  });
});

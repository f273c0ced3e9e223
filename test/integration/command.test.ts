import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { clientStats } from "../../src/codex.js";
import { CommandAbortedError, Sandbox, type CommandHandle } from "../../src/index.js";
import { createTestCodex, type TestCodex } from "../../src/testing/test-codex.js";

let t: TestCodex;
beforeEach(async () => {
  t = await createTestCodex();
});
afterEach(async () => {
  await t.close();
});

async function read(stream: AsyncIterable<string>): Promise<string> {
  let text = "";
  for await (const chunk of stream) text += chunk;
  return text;
}

/** Reads `stream` until its text so far contains `wanted`. */
async function until(stream: AsyncIterable<string>, wanted: string): Promise<string> {
  let text = "";
  for await (const chunk of stream) {
    text += chunk;
    if (text.includes(wanted)) return text;
  }
  throw new Error(
    `the stream ended without ${JSON.stringify(wanted)}; got ${JSON.stringify(text)}`,
  );
}

describe("Codex.exec", () => {
  it("streams output in order and complete, past the runtime's 1 MiB cap", async () => {
    const lines = 250_000; // about 1.6 MB
    const handle = await t.codex.exec(["sh", "-c", `seq 1 ${lines}; echo done >&2`]);
    const [streamed, errors, result] = await Promise.all([
      read(handle.stdout),
      read(handle.stderr),
      handle.wait(),
    ]);
    let expected = "";
    for (let i = 1; i <= lines; i++) expected += `${i}\n`;
    expect(expected.length).toBeGreaterThan(1024 * 1024);
    expect(streamed).toBe(expected);
    expect(result).toEqual({ exitCode: 0, stdout: expected, stderr: "done\n" });
    expect(errors).toBe("done\n");
    expect(handle.exited).toBe(true);
    expect(clientStats(t.codex)["router.keyListeners"]).toBe(0);
  });

  it("gives each of many concurrent commands its own output", async () => {
    const handles = await Promise.all(
      Array.from({ length: 12 }, (_, i) => t.codex.exec(["sh", "-c", `echo command-${i}`])),
    );
    expect(new Set(handles.map((h) => h.processId)).size).toBe(12);
    const results = await Promise.all(handles.map((h) => h.wait()));
    results.forEach((result, i) => expect(result.stdout).toBe(`command-${i}\n`));
  });

  it("round-trips standard input, multi-byte characters split across writes included", async () => {
    const handle = await t.codex.exec(["cat"], { stdin: true });
    await handle.write("ping\n");
    expect(await until(handle.stdout, "ping\n")).toBe("ping\n");
    const euro = Buffer.from("€\n");
    await handle.write(euro.subarray(0, 1));
    await handle.write(euro.subarray(1));
    // Half a character as text has no UTF-8: refused, not replaced by U+FFFD.
    await expect(handle.write("\ud83d")).rejects.toThrow(
      "data holds a lone surrogate (a string cut inside a character)",
    );
    await handle.closeStdin();
    const result = await handle.wait();
    expect(result).toEqual({ exitCode: 0, stdout: "ping\n€\n", stderr: "" });
  });

  it("closes standard input by default, so a command reading it ends", async () => {
    const handle = await t.codex.exec(["cat"]);
    expect(await handle.wait()).toEqual({ exitCode: 0, stdout: "", stderr: "" });
    await expect(handle.write("late")).rejects.toThrow(/stdin: true/);
  });

  it("terminate() ends a long command within seconds", async () => {
    const handle = await t.codex.exec(["sleep", "60"]);
    const started = Date.now();
    await handle.terminate();
    const result = await handle.wait();
    expect(result.exitCode).toBe(137);
    expect(Date.now() - started).toBeLessThan(5_000);
    await handle.terminate(); // already exited: nothing to do
  });

  it("an abort terminates the command and rejects with what it wrote", async () => {
    const controller = new AbortController();
    const handle = await t.codex.exec(["sh", "-c", "echo started; exec sleep 60"], {
      signal: controller.signal,
    });
    await until(handle.stdout, "started\n");
    const started = Date.now();
    controller.abort();
    const err = await handle.wait().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandAbortedError);
    const aborted = err as CommandAbortedError;
    expect(aborted.name).toBe("AbortError");
    expect(aborted.result).toMatchObject({ exitCode: 137, stdout: "started\n" });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("a timeout terminates the command, and the rejection's cause says so", async () => {
    const handle = await t.codex.exec(["sleep", "60"], { timeout: 300 });
    const err = await handle.wait().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandAbortedError);
    expect((err as CommandAbortedError).cause).toMatchObject({ name: "TimeoutError" });
    expect((err as CommandAbortedError).result?.exitCode).toBe(137);
  });

  it("runs a command longer than the runtime's 10 s default when no timeout is given", async () => {
    // The runtime's own limit would end `sleep 11` with code 124 at 10 s.
    const handle = await t.codex.exec(["sh", "-c", "sleep 11; echo slept"]);
    expect(await handle.wait()).toMatchObject({ exitCode: 0, stdout: "slept\n" });
  }, 20_000);

  it("under Sandbox.readOnly refuses a write outside the workspace; fullAccess allows it", async () => {
    const outside = path.join(t.home.codexHome, "written-by-command.txt");
    const write = ["sh", "-c", 'echo x > "$TARGET"'];
    const env = { TARGET: outside };
    const refused = await (
      await t.codex.exec(write, { sandbox: Sandbox.readOnly, cwd: t.workDir, env })
    ).wait();
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toMatch(/read-only file system/i);
    expect(existsSync(outside)).toBe(false);

    const allowed = await (
      await t.codex.exec(write, { sandbox: Sandbox.fullAccess, cwd: t.workDir, env })
    ).wait();
    expect(allowed.exitCode).toBe(0);
    expect(await readFile(outside, "utf8")).toBe("x\n");
  });

  it("runs under a permissions profile of the runtime, which refuses a write outside the workspace", async () => {
    const outside = path.join(t.home.codexHome, "written-under-profile.txt");
    const refused = await (
      await t.codex.exec(["sh", "-c", 'echo x > "$TARGET"'], {
        permissionProfile: ":read-only",
        cwd: t.workDir,
        env: { TARGET: outside },
      })
    ).wait();
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toMatch(/read-only file system/i);
    expect(existsSync(outside)).toBe(false);
  });

  it("reaches the network in its sandbox only with networkAccess", async () => {
    // The mock model's server listens on this host: the sandbox's network shuts it out.
    const reach = [
      process.execPath,
      "-e",
      "fetch(process.env.URL).then(() => console.log('reached'), () => console.log('refused'))",
    ];
    const env = { URL: `${t.mock.url}/models` };
    for (const [networkAccess, said] of [
      [undefined, "refused\n"],
      [true, "reached\n"],
    ] as const) {
      const handle = await t.codex.exec(reach, {
        sandbox: Sandbox.workspaceWrite,
        networkAccess,
        cwd: t.workDir,
        env,
      });
      expect(await handle.wait()).toMatchObject({ exitCode: 0, stdout: said });
    }
    await expect(t.codex.exec(reach, { networkAccess: true })).rejects.toThrow(
      "networkAccess is part of the sandbox policy: give sandbox with it",
    );
  });

  it("passes cwd and env, and null unsets a variable", async () => {
    const handle = await t.codex.exec(
      ["sh", "-c", 'pwd; echo "$GREETING"; echo "${HOME:-unset}"'],
      {
        cwd: t.workDir,
        env: { GREETING: "hello", HOME: null },
      },
    );
    const { stdout } = await handle.wait();
    const [cwd, greeting, home] = stdout.trim().split("\n");
    expect(path.resolve(cwd!)).toBe(path.resolve(t.workDir));
    expect(greeting).toBe("hello");
    expect(home).toBe("unset");

    // A variable named __proto__ is one more variable.
    const env = JSON.parse('{"__proto__": "kept"}') as Record<string, string>;
    const listed = await t.codex.exec(["sh", "-c", "env | grep -c '^__proto__=kept$' || true"], {
      env,
    });
    expect((await listed.wait()).stdout.trim()).toBe("1");
  });

  it("runs in a terminal of the given size, and resizes it", async () => {
    const handle = await t.codex.exec(["sh", "-c", "stty size; read line; stty size"], {
      tty: true,
      size: { rows: 24, cols: 80 },
    });
    await until(handle.stdout, "24 80");
    await handle.resize({ rows: 50, cols: 132 });
    await handle.write("go\n");
    const result = await handle.wait();
    expect(result.stdout).toContain("50 132");
    expect(result.stderr).toBe("");
    // Exited: refused as the server refuses it, naming the command, and nothing is sent.
    const refusal = `command ${handle.processId} has exited: no active command/exec to`;
    // Each names the request the server would have refused, as the server's own refusal does.
    await expect(handle.write("late")).rejects.toMatchObject({
      message: expect.stringContaining(`${refusal} write`),
      method: "command/exec/write",
    });
    await expect(handle.closeStdin()).rejects.toMatchObject({
      message: expect.stringContaining(`${refusal} closeStdin`),
      method: "command/exec/write",
    });
    await expect(handle.resize({ rows: 10, cols: 10 })).rejects.toMatchObject({
      name: "InvalidRequestError",
      message: expect.stringContaining(`${refusal} resize`),
      method: "command/exec/resize",
    });
  });

  it("with collectOutput: false streams the output but keeps none for wait()", async () => {
    const handle = await t.codex.exec(["sh", "-c", "echo one; echo two >&2"], {
      collectOutput: false,
    });
    const [out, result] = await Promise.all([read(handle.stdout), handle.wait()]);
    expect(out).toBe("one\n");
    expect(result).toEqual({ exitCode: 0, stdout: "", stderr: "" });
    // Nobody read stderr while the command ran: nothing of it was kept for a later loop.
    expect(await read(handle.stderr)).toBe("");
  });

  it("reports a program or cwd that cannot start as the runtime does, sandbox by sandbox", async () => {
    const failed = (sandbox: Sandbox | undefined, argv: string[], cwd?: string) =>
      t.codex
        .exec(argv, { ...(sandbox === undefined ? {} : { sandbox }), ...(cwd && { cwd }) })
        .then((c) => c.wait())
        .then(
          (done) => `exit ${done.exitCode}: ${/No such file/.test(done.stderr) ? "told" : ""}`,
          (err: Error) => `${err.name}: ${err.message}`,
        );
    const spawnFailed =
      "InternalRpcError: JSON-RPC error -32603 (command/exec): failed to spawn command: No such file or directory (os error 2)";
    // In a sandbox, its helper runs the program, and reports one missing as exit code 101.
    expect(await failed(Sandbox.readOnly, ["no-such-program-0"])).toBe("exit 101: told");
    expect(await failed(Sandbox.fullAccess, ["no-such-program-0"])).toBe(spawnFailed);
    // A missing cwd fails the spawn itself, in a sandbox or not.
    for (const sandbox of [Sandbox.readOnly, Sandbox.fullAccess]) {
      expect(await failed(sandbox, ["pwd"], "/no/such/dir")).toBe(spawnFailed);
    }
  });

  it("rejects, never throws, and runs nothing for bad argv and options", async () => {
    const { codex } = t;
    const calls: Array<() => Promise<CommandHandle>> = [
      () => codex.exec([]),
      () => codex.exec("ls" as never),
      () => codex.exec(["ls", 3 as never]),
      // eslint-disable-next-line no-sparse-arrays -- a hole would be sent as null
      () => codex.exec(["ls", , "-l"] as string[]),
      () => codex.exec([""]),
      () => codex.exec(["ls"], { timeout: 0 }),
      () => codex.exec(["ls"], { signal: "stop" as never }),
      () => codex.exec(["ls"], { sandbox: "open" as never }),
      () => codex.exec(["ls"], { tty: "yes" as never }),
      () => codex.exec(["ls"], { size: { rows: 10, cols: 10 } }),
      () => codex.exec(["ls"], { tty: true, size: { rows: 0, cols: 10 } }),
      // A field the wire does not have would be dropped without a word.
      () => codex.exec(["ls"], { tty: true, size: { rows: 10, cols: 10, x: 1 } as never }),
      () => codex.exec(["ls"], { env: { A: 1 as never } }),
      () => codex.exec(["ls"], { cwd: "" }),
      () => codex.exec(["ls"], { permissionProfile: "" }),
      // The runtime takes one of the two.
      () => codex.exec(["ls"], { permissionProfile: ":read-only", sandbox: Sandbox.readOnly }),
      // What the operating system cannot carry, or the server cannot read: the server would
      // answer an InternalRpcError, or the command's wait() a TypeError, after exec resolved.
      () => codex.exec(["echo", "a\0b"]),
      () => codex.exec(["echo", "a\ud800"]),
      () => codex.exec(["ls"], { env: { A: "a\0b" } }),
      () => codex.exec(["ls"], { env: { "A\0B": "x" } }),
      () => codex.exec(["ls"], { env: { A: "\udc00" } }),
      () => codex.exec(["ls"], { cwd: "/tmp\0x" }),
    ];
    for (const call of calls) {
      let result!: Promise<unknown>;
      expect(() => (result = call())).not.toThrow();
      const err = await result.catch((e: unknown) => e);
      expect(err, String(call)).toSatisfy((e) => e instanceof TypeError || e instanceof RangeError);
    }
    await expect(codex.exec(["ls"], { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: "AbortError",
    });
    // A whole NAME=value line given as a key is named without its value, whatever the value.
    for (const value of ["x", true, 1]) {
      const err = await codex
        .exec(["ls"], { env: { "GH_TOKEN=ghp_Zq81mXv0RtY3pQ7sLk2N": value as never } })
        .catch((e: unknown) => e as Error);
      expect(err).toBeInstanceOf(TypeError);
      expect((err as Error).message).toMatch(/^env key "GH_TOKEN" \+ "=\.\.\." is no variable/);
      expect((err as Error).stack).not.toContain("ghp_");
    }
    expect(clientStats(codex)["connection.pending"]).toBe(0);
    expect(clientStats(codex)["router.keyListeners"]).toBe(0);
  });

  it("fails the output loops and wait() when the app-server goes away", async () => {
    const handle = await t.codex.exec(["sh", "-c", "echo up; exec sleep 60"]);
    await until(handle.stdout, "up\n");
    const loop = read(handle.stdout).catch((e: unknown) => e);
    await t.codex.close();
    await expect(handle.wait()).rejects.toMatchObject({ name: "TransportClosedError" });
    expect(await loop).toMatchObject({ name: "TransportClosedError" });
  });
});

describe("a tty command's exit code", () => {
  it("is 1 when its own signal ended it outside a sandbox, as the runtime reports it", async () => {
    const handle = await t.codex.exec(["sh", "-c", "kill -TERM $$"], {
      tty: true,
      sandbox: Sandbox.fullAccess,
    });
    expect((await handle.wait()).exitCode).toBe(1);
    // Without a tty, 128 + the signal's number.
    const plain = await t.codex.exec(["sh", "-c", "kill -TERM $$"], {
      sandbox: Sandbox.fullAccess,
    });
    expect((await plain.wait()).exitCode).toBe(143);
  });
});

describe("base64 data while a command's credential is held", () => {
  // A credential of base64 letters: the base64 of the data below, without its padding.
  const token = "YWJjZGVmZ2hpamtsbW5vcA";
  const data = "abcdefghijklmnop";

  it("hands on a file read and a spawned process's output intact", async () => {
    const holder = await t.codex.exec(["sleep", "60"], { env: { API_TOKEN: token } });
    try {
      const file = path.join(t.workDir, "data.txt");
      await writeFile(file, data);
      const read = await t.codex.request("fs/readFile", { path: file });
      expect(Buffer.from(read.dataBase64, "base64").toString()).toBe(data);
      const chunks: string[] = [];
      const off = t.codex.on("process/outputDelta", (p) => void chunks.push(p.deltaBase64));
      const exited = new Promise<void>((resolve) => t.codex.on("process/exited", () => resolve()));
      await t.codex.request("process/spawn", {
        command: ["printf", data],
        processHandle: "spawned-1",
        cwd: t.workDir,
        streamStdoutStderr: true,
      });
      await exited;
      off();
      expect(Buffer.from(chunks.join(""), "base64").toString()).toBe(data);
    } finally {
      await holder.terminate();
    }
  });
});

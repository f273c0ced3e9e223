// A command's handle against a scripted server: what it does with malformed output and answers,
// and how an abort ends when the server answers nothing.
import { afterEach, describe, expect, it, vi } from "vitest";
import { CommandAbortedError } from "../../src/command.js";
import { CommandRun, startCommand } from "../../src/command-run.js";
import { CodexError } from "../../src/errors.js";
import { Secrets } from "../../src/internal/redact.js";
import { Connection, MAX_IN_FLIGHT } from "../../src/rpc/connection.js";
import { Router } from "../../src/rpc/router.js";
import { captureLog } from "../support/capture-log.js";
import { FakeTransport } from "../support/fake-transport.js";

afterEach(() => {
  vi.useRealTimers();
});

function setup(options: { timeout?: number; maxChars?: number; signal?: AbortSignal } = {}) {
  const transport = new FakeTransport();
  const { log, entries } = captureLog();
  const connection = new Connection(transport, { log });
  const router = new Router(connection, log);
  const handle = new CommandRun(
    { connection, router, log },
    "p1",
    { command: ["ls"], processId: "p1" },
    { collect: true, ...options },
  );
  const output = (stream: unknown, deltaBase64: unknown) =>
    transport.deliver({
      method: "command/exec/outputDelta",
      params: { processId: "p1", stream, deltaBase64, capReached: false },
    });
  return { transport, connection, router, handle, entries, output };
}

// A command whose command/exec waits for a place behind MAX_IN_FLIGHT requests unanswered.
async function queuedCommand(signal?: AbortSignal) {
  const transport = new FakeTransport();
  const { log } = captureLog();
  const connection = new Connection(transport, { log });
  const router = new Router(connection, log);
  const others = Array.from({ length: MAX_IN_FLIGHT }, () =>
    connection.request("thread/read", { threadId: "t" }).catch((e: unknown) => e),
  );
  await transport.waitForSent(MAX_IN_FLIGHT);
  const handle = new CommandRun(
    { connection, router, log },
    "p1",
    { command: ["sleep", "600"], processId: "p1" },
    { collect: true, ...(signal === undefined ? {} : { signal }) },
  );
  expect(connection.stats.queued).toBe(1);
  return { transport, connection, router, handle, others };
}

const b64 = (text: string) => Buffer.from(text).toString("base64");

describe("CommandRun", () => {
  it("refuses a write too large for one request before sending it, saying to write in parts", async () => {
    const transport = new FakeTransport();
    const { log } = captureLog();
    const connection = new Connection(transport, { log });
    const router = new Router(connection, log);
    const handle = new CommandRun(
      { connection, router, log },
      "p1",
      { command: ["cat"], processId: "p1", streamStdin: true },
      { collect: true },
    );
    await transport.waitForSent(1);
    // Its base64 would be longer than a string can be: the encoding itself threw, unnamed.
    const err = await handle.write(new Uint8Array(403_000_000)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RangeError);
    expect((err as Error).message).toMatch(/^data is 403000000 bytes, .*write it in parts$/);
    expect(transport.sent).toHaveLength(1);
  });

  it("resolves terminate() when the command exited as the request travelled", async () => {
    const { transport, handle } = setup();
    const exec = await transport.waitForSent(1);
    const terminated = handle.terminate();
    const terminate = await transport.waitForSent(2);
    // One read: the exec's answer, then the refusal of the terminate.
    transport.deliver({ id: exec.id, result: { exitCode: 0, stdout: "", stderr: "" } });
    transport.deliver({
      id: terminate.id,
      error: { code: -32600, message: 'no active command/exec for process id "p1"' },
    });
    await expect(terminated).resolves.toBeUndefined();
    expect((await handle.wait()).exitCode).toBe(0);
  });

  it("rejects terminate() with the refusal when the command goes on", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "hrtime"] });
    const { transport, handle } = setup();
    await transport.waitForSent(1);
    let settled: unknown;
    void handle.terminate({ timeout: 500 }).then(
      (value) => (settled = value),
      (error: unknown) => (settled = error),
    );
    const terminate = await transport.waitForSent(2);
    await vi.advanceTimersByTimeAsync(100);
    transport.deliver({ id: terminate.id, error: { code: -32600, message: "not yours" } });
    // It waits for an exit no longer than the call's time left.
    await vi.advanceTimersByTimeAsync(399);
    expect(settled).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(settled).toMatchObject({ name: "InvalidRequestError", rpcMessage: "not yours" });
  });

  it("drops and logs an output chunk that is not base64 or names no known stream", async () => {
    const { transport, handle, entries, output } = setup();
    const exec = await transport.waitForSent(1);
    output("stdout", b64("one "));
    output("stdout", "!!!not base64***");
    // Base64 letters in groups that are not whole (Node would decode "ABC" and "A").
    output("stdout", "QUJDR");
    output("stdout", "QQ=");
    output("stdout", "QQ==QQ==");
    output("weird", b64("lost"));
    output(undefined, b64("lost"));
    output("stderr", b64("err"));
    output("stdout", b64("two"));
    output("stdout", b64("!?"));
    transport.deliver({ id: exec.id, result: { exitCode: 0, stdout: "", stderr: "" } });
    expect(await handle.wait()).toEqual({ exitCode: 0, stdout: "one two!?", stderr: "err" });
    const dropped = entries.filter((e) => e.message.includes("dropped a command/exec/outputDelta"));
    expect(dropped).toHaveLength(6);
  });

  it("rejects wait() saying why when the output outgrows one string, and the loops still get all of it", async () => {
    const run = async (chunks: string[], answered = "") => {
      const { transport, handle, output } = setup({ maxChars: 10 });
      const exec = await transport.waitForSent(1);
      const read = (async () => {
        const seen: string[] = [];
        for await (const chunk of handle.stdout) seen.push(chunk);
        return seen;
      })();
      for (const chunk of chunks) output("stdout", b64(chunk));
      output("stderr", b64("err"));
      transport.deliver({ id: exec.id, result: { exitCode: 3, stdout: answered, stderr: "" } });
      const outcome = await handle.wait().catch((e: unknown) => e);
      expect(await read).toEqual(chunks);
      expect(handle.exited).toBe(true);
      return outcome;
    };
    // Ten characters fit ...
    expect(await run(["01234", "56789"])).toEqual({
      exitCode: 3,
      stdout: "0123456789",
      stderr: "err",
    });
    // ... eleven do not, nor ten with what the answer itself holds.
    for (const [chunks, answered] of [
      [["01234", "56789", "x"], ""],
      [["01234", "56789"], "x"],
    ] as const) {
      const err = await run([...chunks], answered);
      expect(err).toBeInstanceOf(CodexError);
      expect((err as Error).message).toBe(
        "the command exited with code 3, but its stdout came to more than 10 characters, more " +
          "than one string can hold: run it with collectOutput: false and read stdout as it comes",
      );
    }
  });

  it("rejects wait() and the loops with a CodexError when the exec answer is malformed", async () => {
    for (const [result, why] of [
      [null, "is not an object"],
      [{}, "has no integer exitCode"],
      [{ exitCode: "0" }, "has no integer exitCode"],
      [{ exitCode: 0, stdout: 5 }, "has a stdout that is not a string"],
    ] as const) {
      const { transport, handle } = setup();
      const exec = await transport.waitForSent(1);
      const loop = (async () => {
        for await (const chunk of handle.stdout) void chunk;
      })();
      transport.deliver({ id: exec.id, result });
      const err = (await handle.wait().catch((e: unknown) => e)) as Error;
      expect(err).toBeInstanceOf(CodexError);
      expect(err.message).toBe(`the answer to command/exec ${why}`);
      await expect(loop).rejects.toBe(err);
      expect(handle.exited).toBe(false);
    }
  });

  it("sends the terminate of an abort again while the server refuses it as overloaded", async () => {
    const controller = new AbortController();
    const { transport, handle } = setup({ signal: controller.signal });
    const exec = await transport.waitForSent(1);
    const outcome = handle.wait().catch((e: unknown) => e);
    controller.abort();
    const overloaded = { code: -32001, message: "Server overloaded; retry later." };
    for (const n of [2, 3]) {
      const refused = await transport.waitForSent(n);
      expect(refused.method).toBe("command/exec/terminate");
      transport.deliver({ id: refused.id, error: overloaded });
    }
    const accepted = await transport.waitForSent(4);
    expect(accepted.method).toBe("command/exec/terminate");
    transport.deliver({ id: accepted.id, result: {} });
    transport.deliver({ id: exec.id, result: { exitCode: 137, stdout: "", stderr: "" } });
    const err = (await outcome) as CommandAbortedError;
    expect(err).toBeInstanceOf(CommandAbortedError);
    expect(err.result?.exitCode).toBe(137);
  });

  it("withdraws a command still waiting for a place on terminate(): no terminate overtakes it, and it never runs", async () => {
    const { transport, connection, router, handle } = await queuedCommand();
    const outcome = handle.wait().catch((e: unknown) => e);
    await expect(handle.terminate()).resolves.toBeUndefined();
    const err = (await outcome) as CommandAbortedError;
    expect(err).toBeInstanceOf(CommandAbortedError);
    expect(err.result).toBeNull();
    expect(err.cause).toMatchObject({ message: "command p1 was terminated before it was sent" });
    // Its reason is in its message, as a turn's abort has its own: a log tells one from another.
    expect(err.message).toBe(
      "The command was aborted: command p1 was terminated before it was sent",
    );
    expect(
      new CommandAbortedError(
        null,
        new DOMException("The command took longer than 5 ms", "TimeoutError"),
      ).message,
    ).toBe("The command was aborted: The command took longer than 5 ms");
    expect(
      new CommandAbortedError(null, new DOMException("This operation was aborted", "AbortError"))
        .message,
    ).toBe("The command was aborted");
    // A place freed later sends nothing of it.
    transport.deliver({ id: (transport.sent[0] as { id: number }).id, result: {} });
    expect(transport.sent.map((m) => m.method)).toEqual(Array(MAX_IN_FLIGHT).fill("thread/read"));
    expect(connection.stats.queued).toBe(0);
    expect(router.stats.keyListeners).toBe(0);
  });

  it("rejects terminate() given an aborted signal, withdrawing nothing, whether it runs or exited", async () => {
    const { transport, connection, handle } = await queuedCommand();
    const signal = AbortSignal.abort(new Error("no longer wanted"));
    await expect(handle.terminate({ signal })).rejects.toThrow("no longer wanted");
    expect(connection.stats.queued).toBe(1);
    const exited = setup();
    const exec = await exited.transport.waitForSent(1);
    exited.transport.deliver({ id: exec.id, result: { exitCode: 0, stdout: "", stderr: "" } });
    await exited.handle.wait();
    await expect(exited.handle.terminate({ signal })).rejects.toThrow("no longer wanted");
    expect(transport.sent).toHaveLength(MAX_IN_FLIGHT);
  });

  it("withdraws a command still waiting for a place when its signal aborts, at once", async () => {
    const controller = new AbortController();
    const { transport, connection, handle } = await queuedCommand(controller.signal);
    const outcome = handle.wait().catch((e: unknown) => e);
    controller.abort(new Error("cancelled"));
    const err = (await outcome) as CommandAbortedError;
    expect(err).toBeInstanceOf(CommandAbortedError);
    expect(err.result).toBeNull();
    expect(err.cause).toMatchObject({ message: "cancelled" });
    expect(transport.sent).toHaveLength(MAX_IN_FLIGHT);
    expect(connection.stats.queued).toBe(0);
  });

  it("redacts the credentials of a command's environment until its answer, and keeps no more after", async () => {
    const transport = new FakeTransport();
    const { log } = captureLog();
    const secrets = new Secrets();
    const kept = "sk-proj-CLIENT-0123456789";
    secrets.add(kept);
    const connection = new Connection(transport, { log, secrets });
    const router = new Router(connection, log);
    const context = { connection, router, log, secrets };
    const tokens = ["ghp-JOB-ONE-0123456789", "ghp-JOB-TWO-0123456789"];
    const [one, two] = await Promise.all(
      tokens.map((token) =>
        startCommand(context, ["ls"], { env: { JOB_API_TOKEN: token, K: kept } }),
      ),
    );
    const [execOne, execTwo] = [await transport.waitForSent(1), await transport.waitForSent(2)];
    const line = `${tokens.join(" ")} ${kept}`;
    expect(secrets.text(line)).toBe("[redacted] [redacted] [redacted]");
    // The answer's own error is redacted: it was read while the command still held its token.
    transport.deliver({ id: execOne.id, error: { code: -32603, message: `failed: ${tokens[0]}` } });
    await expect(one!.wait()).rejects.toThrow("failed: [redacted]");
    expect(secrets.text(line)).toBe(`${tokens[0]} [redacted] [redacted]`);
    transport.deliver({ id: execTwo.id, result: { exitCode: 0, stdout: "", stderr: "" } });
    await two!.wait();
    // The client's own secret, which a command's environment also held, stays.
    expect(secrets.text(line)).toBe(`${tokens.join(" ")} [redacted]`);
  });

  it("rejects exec, sending nothing and keeping nothing, when the channel cannot carry its params", async () => {
    // A WebSocket's message limit, scaled down.
    const transport = new FakeTransport({ bytes: 10_000, channel: "over WebSocket" });
    const { log } = captureLog();
    const secrets = new Secrets();
    const connection = new Connection(transport, { log, secrets });
    const router = new Router(connection, log);
    const token = "ghp-JOB-BIG-0123456789";
    const started = startCommand(
      { connection, router, log, secrets },
      ["echo", "x".repeat(20_000)],
      {
        env: { JOB_API_TOKEN: token },
      },
    );
    await expect(started).rejects.toThrow(/^the params of command\/exec come to .*over WebSocket/);
    await expect(started).rejects.toBeInstanceOf(RangeError);
    expect(transport.sent).toHaveLength(0);
    expect(connection.stats.pending).toBe(0);
    expect(router.stats.keyListeners).toBe(0);
    expect(secrets.text(token)).toBe(token);
  });

  it("rejects exec, keeping nothing, when the transport cannot take its line", async () => {
    // As stdio's send throws for a line one character short of the longest string.
    class Refusing extends FakeTransport {
      override send(line: string, done?: (error?: Error | null) => void): void {
        if (line.includes('"command/exec"')) throw new RangeError("Invalid string length");
        super.send(line, done);
      }
    }
    const transport = new Refusing();
    const { log } = captureLog();
    const connection = new Connection(transport, { log });
    const router = new Router(connection, log);
    const started = startCommand({ connection, router, log }, ["ls"], undefined);
    await expect(started).rejects.toThrow(
      "the params of command/exec could not be sent: Invalid string length",
    );
    expect(transport.sent).toHaveLength(0);
    expect(connection.stats.pending).toBe(0);
    expect(router.stats.keyListeners).toBe(0);
  });

  it("gives up 10 s after a timeout when the server answers neither the terminate nor the exec", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "hrtime"] });
    const { transport, connection, router, handle } = setup({ timeout: 200 });
    const outcome = handle.wait().catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(200);
    expect((await transport.waitForSent(2)).method).toBe("command/exec/terminate");
    // The termination and the wait for the exit share the 10 s (and the wait's last millisecond).
    await vi.advanceTimersByTimeAsync(10_001);
    const err = (await outcome) as CommandAbortedError;
    expect(err).toBeInstanceOf(CommandAbortedError);
    expect(err.cause).toMatchObject({ name: "TimeoutError" });
    // Nothing is kept for it: no pending request, no output listener, no timer.
    expect(connection.stats.pending).toBe(0);
    expect(router.stats.keyListeners).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});

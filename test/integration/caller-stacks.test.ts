// A call's error made for it alone (the server's refusal, a timeout) carries the stack of the code
// that awaited the call, however many requests and waits the call is made of.
import { afterAll, beforeAll, expect, it } from "vitest";
import { InternalRpcError, JsonRpcError, RequestTimeoutError, Sandbox } from "../../src/index.js";
import { sse } from "../../src/testing/index.js";
import { createTestCodex, type TestCodex } from "../../src/testing/test-codex.js";

let t: TestCodex;
beforeAll(async () => {
  t = await createTestCodex();
});
afterAll(async () => {
  await t.close();
});

const UNKNOWN = "00000000-0000-4000-8000-000000000000";

async function errorOf(call: () => Promise<unknown>): Promise<Error> {
  return (await call().then(
    () => undefined,
    (err: unknown) => err,
  )) as Error;
}

it("gives a refused compaction and a refused review their caller's stack", async () => {
  async function compactCaller() {
    await t.codex.thread(UNKNOWN).compact();
  }
  async function reviewCaller() {
    await t.codex.thread(UNKNOWN).review("uncommittedChanges");
  }
  for (const [call, name] of [
    [compactCaller, "compactCaller"],
    [reviewCaller, "reviewCaller"],
  ] as const) {
    const err = await errorOf(call);
    expect(err).toBeInstanceOf(JsonRpcError);
    expect(err.stack).toMatch(new RegExp(`\\n {4}at (async )?${name} `));
  }
});

it("gives the timeout of a turn queued behind another its caller's stack", async () => {
  const thread = await t.codex.threadStart();
  const gate = t.mock.gate();
  t.mock.enqueue(sse.textDeltas(["working"]), { gate });
  const first = await thread.turn("one");
  await gate.reached;
  async function queuedTurnCaller() {
    await thread.turn("two", { timeout: 50 });
  }
  const err = await errorOf(queuedTurnCaller);
  await first.interrupt();
  gate.release();
  await first.run();
  expect(err).toBeInstanceOf(RequestTimeoutError);
  expect(err.stack).toMatch(/\n {4}at (async )?queuedTurnCaller /);
});

it("gives the refusal of a command, met by wait(), the stack of the code that first waits", async () => {
  const command = await t.codex.exec(["/nonexistent-program"], { sandbox: Sandbox.fullAccess });
  async function waitCaller() {
    await command.wait();
  }
  async function laterCaller() {
    await command.wait();
  }
  const err = await errorOf(waitCaller);
  expect(err).toBeInstanceOf(InternalRpcError);
  expect(err.stack).toMatch(/\n {4}at (async )?waitCaller /);
  // Every waiter is handed the same error, whose stack a later one leaves as it is.
  expect(await errorOf(laterCaller)).toBe(err);
  expect(err.stack).toMatch(/\n {4}at (async )?waitCaller /);
});

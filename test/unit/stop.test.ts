import { afterEach, describe, expect, it, vi } from "vitest";
import { Connection } from "../../src/rpc/connection.js";
import { sendStop } from "../../src/stop.js";
import { FakeTransport } from "../../test/support/fake-transport.js";

// A server that refuses every request as overloaded, `answerAfter` ms after it is sent.
class Overloaded extends FakeTransport {
  constructor(readonly answerAfter: number) {
    super();
  }
  override send(line: string, done?: (error?: Error | null) => void): void {
    super.send(line, done);
    const { id } = JSON.parse(line) as { id: number };
    const error = { code: -32001, message: "Server overloaded; retry later." };
    setTimeout(() => this.deliver({ id, error }), this.answerAfter);
  }
}

describe("sendStop", () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it.each([
    ["at once", 0],
    ["late", 700],
  ])("bounds the whole stop by its time, the server refusing it %s", async (_, answerAfter) => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "hrtime"] });
    vi.spyOn(Math, "random").mockReturnValue(0.5);
    const transport = new Overloaded(answerAfter);
    const connection = new Connection(transport);
    const bounds: (number | undefined)[] = [];
    const start = Date.now();
    let settledAt: number | undefined;
    const stop = sendStop(
      connection,
      (left) => {
        bounds.push(left?.timeout);
        return connection.request("turn/interrupt", { threadId: "th", turnId: "t" }, left);
      },
      2_000,
    ).finally(() => (settledAt = Date.now()));
    const failed = expect(stop).rejects.toMatchObject({ name: expect.stringMatching(/Timeout/) });
    await vi.advanceTimersByTimeAsync(5_000);
    await failed;
    expect(settledAt! - start).toBeLessThanOrEqual(2_000);
    // Sent again, each time with what was left of the bound.
    expect(bounds.length).toBeGreaterThan(1);
    expect(bounds[0]).toBe(2_000);
    for (let i = 1; i < bounds.length; i++) expect(bounds[i]).toBeLessThan(bounds[i - 1]!);
    expect(transport.sent).toHaveLength(bounds.length);
    expect(vi.getTimerCount()).toBe(0);
  });
});

import { describe, expect, it } from "vitest";
import { startMcpLogin } from "../../src/mcp.js";
import { Connection } from "../../src/rpc/connection.js";
import { FakeTransport } from "../support/fake-transport.js";

describe("startMcpLogin", () => {
  it("rejects a timeoutSecs the wire's integer cannot carry exactly, before any I/O", async () => {
    const transport = new FakeTransport();
    // The options are checked before the router or the log is used.
    const context = { connection: new Connection(transport), router: {}, log: {} } as never;
    for (const timeoutSecs of [0, 1.5, 1e20, 2 ** 53, Number.NaN, "60"]) {
      const err: unknown = await startMcpLogin(context, "server", {
        timeoutSecs: timeoutSecs as never,
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RangeError);
      expect((err as Error).message).toMatch(
        /^timeoutSecs must be an integer from 1 to 9007199254740991/,
      );
    }
    const err: unknown = await startMcpLogin(context, "server", {
      timeoutSecs: 1e20,
    }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/got 100000000000000000000$/);
    expect(transport.sent).toHaveLength(0);
  });
});

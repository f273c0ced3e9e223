import { existsSync } from "node:fs";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { CodexHome } from "../../src/testing/harness.js";
import { startStandin } from "../support/fault/standin.js";
import { expectStepTimedOut, silentOn } from "../support/slow-start.js";

// Each home made is kept, and its cleanup, once it has removed the directories, fails as a busy
// file system's may, as many times as `failing.cleanups` says.
const homes: CodexHome[] = [];
const failing = { cleanups: 0, closes: 0 };
const calls = { cleanups: 0 };
vi.mock("../../src/testing/harness.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/testing/harness.js")>();
  return {
    ...real,
    createCodexHome: async (...args: Parameters<typeof real.createCodexHome>) => {
      const home = await real.createCodexHome(...args);
      homes.push(home);
      const cleanup = async () => {
        calls.cleanups++;
        await home.cleanup();
        if (failing.cleanups-- > 0) throw new Error("EBUSY: cleanup failed");
      };
      return { ...home, cleanup, [Symbol.asyncDispose]: cleanup };
    },
  };
});

// `Codex.start` as it is, or (with `started.route`) a client whose config read answers with it:
// a rejection stands for a route the machine's config sends elsewhere.
const started: { route?: () => Promise<unknown> } = {};
vi.mock("../../src/codex.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/codex.js")>();
  const start = (options: Parameters<typeof real.Codex.start>[0]) => {
    const route = started.route;
    if (route === undefined) return real.Codex.start(options);
    return Promise.resolve({
      config: { read: route },
      close: async () => {
        if (failing.closes-- > 0) throw new Error("close timed out");
      },
    });
  };
  return { ...real, Codex: { start } };
});

const { createTestCodex } = await import("../../src/testing/test-codex.js");

beforeEach(() => {
  homes.length = 0;
  Object.assign(failing, { cleanups: 0, closes: 0 });
  calls.cleanups = 0;
  delete started.route;
});

describe("createTestCodex failing to start", () => {
  it("refuses an aborted startSignal before it makes a home (or the mock listens)", async () => {
    const reason = new Error("no longer wanted");
    const err = await createTestCodex({ startSignal: AbortSignal.abort(reason) }).catch(
      (e: unknown) => e,
    );
    expect(err).toBe(reason);
    expect(homes).toHaveLength(0);
  });

  it("reports why it failed beside a cleanup that failed too, after running every step", async () => {
    failing.cleanups = 1;
    // A server that exits before answering initialize.
    const err = await createTestCodex({
      launchArgs: [process.execPath, "-e", "process.exit(3)"],
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AggregateError);
    const { errors, message } = err as AggregateError;
    expect(errors).toHaveLength(2);
    // First why it failed, then the cleanup's error.
    expect(message).toMatch(/^createTestCodex failed: .*exited.*, then cleaning up$/);
    expect((errors[0] as Error).message).toMatch(/exited/);
    expect((errors[1] as Error).message).toBe("EBUSY: cleanup failed");
    expect(homes).toHaveLength(1);
    expect(existsSync(homes[0]!.codexHome)).toBe(false);
  });

  it("reports a refused model route once, beside the cleanup's failure, cleaning up once", async () => {
    failing.cleanups = 1;
    started.route = () => Promise.reject(new Error("route refused: managed config"));
    const err = await createTestCodex().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AggregateError);
    const { errors, message } = err as AggregateError;
    expect(message).toBe("createTestCodex failed: route refused: managed config, then cleaning up");
    expect(errors.map((e) => (e as Error).message)).toEqual([
      "route refused: managed config",
      "EBUSY: cleanup failed",
    ]);
    expect(calls.cleanups).toBe(1);
  });
});

describe("createTestCodex's last step, the check of the model's route", () => {
  // A server that answers initialize and never answers config/read.
  const silentOnRoute = () => startStandin({ replies: { "config/read": { drop: true } } });

  it("is given up when startSignal aborts, rejecting with its reason and cleaning up", async () => {
    await using server = await silentOnRoute();
    const controller = new AbortController();
    const starting = createTestCodex({
      launchArgs: server.launchArgs,
      startSignal: controller.signal,
    });
    await server.nextFromClient("config/read", 20_000);
    const reason = new Error("give up the start");
    controller.abort(reason);
    expect(await starting.catch((e: unknown) => e)).toBe(reason);
    expect(homes).toHaveLength(1);
    expect(existsSync(homes[0]!.codexHome)).toBe(false);
  });

  it("is bounded by what is left of startTimeout, its timeout showing the server's stderr", async () => {
    const server = silentOn("config/read", "route read seen");
    try {
      const launchArgs = [process.execPath, server.file];
      await expectStepTimedOut(
        () => createTestCodex({ launchArgs, startTimeout: 1500 }),
        "config/read",
        "route read seen",
      );
      expect(existsSync(homes[0]!.codexHome)).toBe(false);
    } finally {
      server.cleanup();
    }
  });
});

describe("TestCodex.close()", () => {
  it("closes every part though some fail, says the close failed, and can be called again", async () => {
    started.route = async () => ({ origins: {} });
    const t = await createTestCodex();
    Object.assign(failing, { cleanups: 1, closes: 1 });
    const err = await t.close().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AggregateError);
    expect((err as Error).message).toBe("TestCodex.close() failed");
    expect((err as AggregateError).errors.map((e) => (e as Error).message)).toEqual([
      "close timed out",
      "EBUSY: cleanup failed",
    ]);
    // The mock was closed between the two failures, and the home removed.
    await expect(fetch(`${t.mock.url}/responses`)).rejects.toThrow();
    expect(existsSync(t.home.codexHome)).toBe(false);
    await expect(t.close()).resolves.toBeUndefined();
  });
});

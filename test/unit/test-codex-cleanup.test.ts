import { existsSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import type { CodexHome } from "../../src/testing/harness.js";

// Each home made is kept, and its cleanup, once it has removed the directories, fails as a busy
// file system's may: what createTestCodex then reports must still say why it failed to start.
const homes: CodexHome[] = [];
vi.mock("../../src/testing/harness.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/testing/harness.js")>();
  return {
    ...real,
    createCodexHome: async (...args: Parameters<typeof real.createCodexHome>) => {
      const home = await real.createCodexHome(...args);
      homes.push(home);
      const cleanup = async () => {
        await home.cleanup();
        throw new Error("EBUSY: cleanup failed");
      };
      return { ...home, cleanup, [Symbol.asyncDispose]: cleanup };
    },
  };
});

const { createTestCodex } = await import("../../src/testing/test-codex.js");

describe("createTestCodex failing to start", () => {
  it("reports why it failed beside a cleanup that failed too, after running every step", async () => {
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
});

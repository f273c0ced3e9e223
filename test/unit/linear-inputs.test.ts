import http from "node:http";
import { describe, expect, it } from "vitest";
import { launchFor } from "../../src/launch.js";
import { checkObjective } from "../../src/internal/validate.js";
import { unappliedSettings } from "../../src/thread-options.js";
import { mockConfigToml } from "../../src/testing/harness.js";
import { startMockResponsesServer } from "../../src/testing/index.js";

// Patterns of two quantifiers over one run of characters (`\s+$` tried from each point of a run
// inside a text, `a*b*` around one character) took time growing as the square of the run: input
// a user gives, refused or taken, is read in time that grows with it.

// The least of seven runs, as garbage collection, or another test file's work on this machine's
// few cores, may fall in any one; refused input is timed too.
async function least(run: () => unknown): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    try {
      await run();
    } catch {
      // Refused: what is timed is how long that took.
    }
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

// Four times the input: about four times the time (it was sixteen times).
async function expectLinear(make: (n: number) => () => unknown, n: number): Promise<void> {
  await least(make(n / 10));
  const short = await least(make(n));
  const long = await least(make(4 * n));
  expect(long / short, JSON.stringify({ n, short, long })).toBeLessThan(10);
}

describe("input read in time that grows with it", () => {
  it("a goal objective with a run of white space inside, refused as too long", async () => {
    await expectLinear((n) => () => checkObjective(`x${" ".repeat(n)}x`), 5_000);
    expect(checkObjective(" \u0085 ship it \u00a0 ")).toBe("ship it");
  });

  it("configOverrides pairs: white space or quotes inside a value, a basic string that never closes", async () => {
    const launch = (pair: string) => () =>
      launchFor({ codexBin: process.execPath, configOverrides: [pair] });
    await expectLinear((n) => launch(`model = a${" ".repeat(n)}b`), 5_000);
    await expectLinear((n) => launch(`model = a${`"'`.repeat(n)}b`), 5_000);
    await expectLinear((n) => launch(`model_instructions = "${'\\"'.repeat(n)}`), 4_000);
  });

  it("an http_headers value that starts like an authorization", async () => {
    await expectLinear((n) => {
      const headers = { "X-Trace": `Bearer ${"1".repeat(n)}!` };
      const configOverrides = {
        mcp_servers: { docs: { url: "http://127.0.0.1:9", http_headers: headers } },
      };
      return () => launchFor({ codexBin: process.execPath, configOverrides });
    }, 5_000);
  });

  it("a writable root with a run of separators inside", async () => {
    await expectLinear((n) => {
      const dir = `/a${"/".repeat(n)}b`;
      const params = { config: { "sandbox_workspace_write.writable_roots": [dir] } };
      const answer = {
        sandbox: { type: "workspaceWrite", writableRoots: [dir] },
        activePermissionProfile: { id: "p" },
      };
      return () => unappliedSettings("thread/start", params, answer);
    }, 3_000);
  });

  it("the testing kit's extraConfig with a run of quotes", async () => {
    await expectLinear((n) => {
      const options = { mockUrl: "http://127.0.0.1:9", extraConfig: `x = """${'"'.repeat(n)}` };
      return () => mockConfigToml(options);
    }, 8_000);
  });

  it("a request to the mock Responses API whose target holds a run of slashes", async () => {
    await using mock = await startMockResponsesServer();
    const { hostname, port } = new URL(mock.url);
    const get = (path: string) => () =>
      new Promise<void>((resolve, reject) => {
        const request = http.request({ hostname, port, path, agent: false }, (response) => {
          expect(response.statusCode).toBe(404);
          response.resume();
          response.on("end", resolve);
        });
        request.on("error", reject);
        request.end();
      });
    // Within Node's 16 KiB bound on a request's head.
    await expectLinear((n) => get(`/v1${"/".repeat(n)}x`), 3_800);
  });
});

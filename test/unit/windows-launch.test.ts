/**
 * Launching on Windows, as this process sees it with `process.platform` set to win32: variables
 * named in any case, and batch files Node runs only through a shell. The pinned runtime's win32
 * package is not installed here: `locateRuntime` answers what it would there.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";

vi.mock("../../src/runtime.js", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../../src/runtime.js")>()),
  locateRuntime: () => ({ binary: "C:\\codex\\codex.exe", pathDir: "C:\\codex\\path" }),
}));

const { launchFor } = await import("../../src/launch.js");
const { checkCodexBin } = await import("../../src/runtime.js");

const dir = mkdtempSync(path.join(tmpdir(), "codex-sdk-win-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const platform = Object.getOwnPropertyDescriptor(process, "platform")!;
const saved = { PATH: process.env.PATH, Path: process.env.Path, codex_api_key: undefined };
beforeEach(() => {
  Object.defineProperty(process, "platform", { ...platform, value: "win32" });
  // A Windows process.env lists its PATH under the system's spelling.
  delete process.env.PATH;
  process.env.Path = "C:\\Windows\\system32";
});
afterEach(() => {
  Object.defineProperty(process, "platform", platform);
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

const pathsOf = (env: NodeJS.ProcessEnv) =>
  Object.entries(env).filter(([key]) => key.toUpperCase() === "PATH");

describe("launchFor on Windows", () => {
  it("gives the child the PATH the caller gives in any case, after the runtime's folder", () => {
    const { launch } = launchFor({ env: { PATH: "C:\\tools" } });
    expect(pathsOf(launch.env)).toEqual([
      ["PATH", ["C:\\codex\\path", "C:\\tools"].join(path.delimiter)],
    ]);
    // Unset in another case, the inherited one is gone.
    const { launch: unset } = launchFor({ env: { path: undefined } });
    expect(pathsOf(unset.env).map(([, value]) => value)).toEqual(["C:\\codex\\path"]);
  });

  it("refuses an empty CODEX_HOME named in any case", () => {
    expect(() => launchFor({ env: { codex_home: "" } })).toThrow(
      /^env\.codex_home is empty, which the runtime reads as unset/,
    );
  });

  it("takes the later of two keys of one variable, and redacts an inherited login in any case", () => {
    // As `{ ...process.env, PATH }` gives it, beside the inherited `Path`.
    const { launch } = launchFor({ env: { Path: "C:\\old", PATH: "C:\\new" } });
    expect(pathsOf(launch.env)).toEqual([
      ["PATH", ["C:\\codex\\path", "C:\\new"].join(path.delimiter)],
    ]);
    process.env.codex_api_key = "sk-inherited-0123456789abcdef";
    expect(launchFor({}).secrets).toContain("sk-inherited-0123456789abcdef");
  });

  it("refuses a batch file as the command, before spawning, naming why", () => {
    for (const name of ["codex.cmd", "codex.bat", "CODEX.CMD"]) {
      const shim = path.join(dir, name);
      writeFileSync(shim, "@ECHO off\r\nnode codex.js %*\r\n");
      const why =
        "is a batch file, which Node runs only through a shell, and the SDK spawns none: give " +
        "the native codex.exe";
      expect(() => checkCodexBin(shim)).toThrow(`codexBin ${shim} ${why}`);
      expect(() => launchFor({ codexBin: shim })).toThrow(`codexBin ${shim} ${why}`);
      expect(() => launchFor({ launchArgs: [name, "app-server"] })).toThrow(
        `launchArgs[0] ${name} ${why}`,
      );
    }
  });
});

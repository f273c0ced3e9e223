/**
 * The SDK bundled with a program by esbuild and deployed alone, no node_modules beside it (a
 * Lambda zip, an image holding only the bundle): what it cannot load there is said as such.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src");
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

// Bundles `code` (which imports the SDK's sources) into a folder of its own outside any
// node_modules, runs it there, and gives the last line it printed, parsed.
async function runAlone(code: string, format: "esm" | "cjs"): Promise<unknown> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "codex-sdk-bundle-"));
  dirs.push(dir);
  const outfile = path.join(dir, format === "esm" ? "app.mjs" : "app.cjs");
  await build({
    stdin: { contents: code, resolveDir: SRC, loader: "ts" },
    bundle: true,
    platform: "node",
    target: "node20",
    format,
    outfile,
    logLevel: "error",
  });
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, [outfile], { cwd: dir, timeout: 60_000 }, (err, out, stderr) =>
      err === null ? resolve(out) : reject(new Error(`${err.message}\n${stderr}`)),
    ),
  );
  return JSON.parse(stdout.trim().split("\n").at(-1)!);
}

describe.each(["esm", "cjs"] as const)("a %s bundle", (format) => {
  it("says that zod's core, which converts a zod/mini schema, is loaded from node_modules", async () => {
    // zod/mini's schemas give no JSON Schema themselves: zod's core converts them, loaded at run
    // time by a name no bundler sees, and not in the bundle.
    const program = `
      import * as z from "zod/mini";
      import { prepareOutput } from "./structured-output.js";
      prepareOutput(z.object({ name: z.string() }), undefined).then(
        () => console.log(JSON.stringify("converted")),
        (e) => console.log(JSON.stringify(e.message)),
      );
    `;
    expect(await runAlone(program, format)).toBe(
      "output: the schema cannot give its JSON Schema: a zod schema without " +
        "~standard.jsonSchema (zod before 4.2, or zod/mini) is converted by zod's zod/v4/core, " +
        "loaded at run time from node_modules, where none was found (a bundle does not carry " +
        "it): install zod 4 beside the program, or give outputSchema (JSON Schema)",
    );
  });
});

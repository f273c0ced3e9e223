import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

import { afterAll, expect, it } from "vitest";

const dir = mkdtempSync(path.join(os.tmpdir(), "codex-sdk-is-main-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A script that says whether it is the one Node was started with, as the repository's scripts
// ask before they run (a check that ran nothing would pass).
it("takes a script started through a symbolic link for the one Node was started with", () => {
  const isMain = pathToFileURL(path.resolve("scripts/is-main.ts")).href;
  const script = path.join(dir, "script.ts");
  writeFileSync(
    script,
    `import { isMain } from ${JSON.stringify(isMain)};\n` +
      "console.log(isMain(import.meta.url) ? 'main' : 'not main');\n",
  );
  const linkedDir = path.join(dir, "linked");
  symlinkSync(dir, linkedDir, "dir");
  const run = (file: string) =>
    spawnSync(process.execPath, ["--import", "tsx", file], { encoding: "utf8" }).stdout.trim();
  expect(run(script)).toBe("main");
  expect(run(path.join(linkedDir, "script.ts"))).toBe("main");
});

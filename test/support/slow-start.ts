import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "vitest";
import { RequestTimeoutError } from "../../src/errors.js";

/**
 * A stand-in app-server, as an executable script (a `codexBin`, or `node FILE`): it answers
 * `initialize` after 1 s, and takes `method`, writing `said` to stderr, without ever answering.
 * `cleanup()` removes it.
 */
export function silentOn(method: string, said: string): { file: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), "codex-sdk-slow-start-"));
  const file = path.join(dir, "codex");
  const script = [
    `#!${process.execPath}`,
    "const rl = require('node:readline').createInterface({ input: process.stdin });",
    "const init = { userAgent: 'x/0', codexHome: '/tmp', platformFamily: 'unix', platformOs: 'linux' };",
    "rl.on('line', (line) => {",
    "  const m = JSON.parse(line);",
    "  if (m.method === 'initialize') setTimeout(() => console.log(JSON.stringify({ id: m.id, result: init })), 1000);",
    `  if (m.method === ${JSON.stringify(method)}) process.stderr.write(${JSON.stringify(`${said}\n`)});`,
    "});",
  ].join("\n");
  writeFileSync(file, script, { mode: 0o755 });
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Checks that a start given `startTimeout: 1500` against {@link silentOn} timed out at its step
 * `method`, naming the start's bound and showing what the server `said`, within that bound
 * counted from the spawn (a fresh 1.5 s for the step would end past 2.5 s).
 */
export async function expectStepTimedOut(
  start: () => Promise<unknown>,
  method: string,
  said: string,
): Promise<void> {
  const t0 = performance.now();
  const err = await start().then(
    () => undefined,
    (e: unknown) => e,
  );
  const elapsed = performance.now() - t0;
  expect(err).toBeInstanceOf(RequestTimeoutError);
  const { timeoutMs, stderrTail } = err as RequestTimeoutError;
  expect({ method: (err as RequestTimeoutError).method, timeoutMs, stderrTail }).toEqual({
    method,
    timeoutMs: 1500,
    stderrTail: said,
  });
  expect(elapsed).toBeLessThan(2300);
}

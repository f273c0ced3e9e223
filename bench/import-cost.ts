/** The cost of `import`ing each client, each time in a fresh `node` process. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { VariantId } from "./job.js";
import { median } from "./stats.js";

const execFileAsync = promisify(execFile);

/** The clients whose import is timed (`events: "results"` imports what the SDK does). */
type Imported = Exclude<VariantId, "sdk-results">;

/** What each client's code imports: the floor needs only Node built-ins. */
function specifiers(sdkEntry: string): Record<Imported, readonly string[]> {
  return {
    floor: ["node:child_process", "node:fs", "node:module", "node:path"],
    sdk: [sdkEntry],
    "codex-sdk": ["@openai/codex-sdk"],
  };
}

async function importMs(modules: readonly string[], cwd: string, tsx: boolean): Promise<number> {
  const code =
    `const t0 = performance.now();` +
    `await Promise.all(${JSON.stringify(modules)}.map((m) => import(m)));` +
    `process.stdout.write(String(performance.now() - t0));`;
  const flags = tsx ? ["--import", "tsx"] : [];
  const { stdout } = await execFileAsync(
    process.execPath,
    [...flags, "--input-type=module", "-e", code],
    { cwd },
  );
  return Number(stdout);
}

/**
 * Median import time per client over `runs` fresh processes, interleaved. `sdkFromSource` loads
 * the SDK's TypeScript through tsx (only when the build failed).
 */
export async function measureImports(options: {
  sdkEntry: string;
  sdkFromSource: boolean;
  cwd: string;
  runs?: number;
}): Promise<Record<Imported, number | null>> {
  const modules = specifiers(options.sdkEntry);
  const times: Record<Imported, number[]> = { floor: [], sdk: [], "codex-sdk": [] };
  for (let i = 0; i < (options.runs ?? 7); i++) {
    for (const variant of Object.keys(times) as Imported[]) {
      const tsx = variant === "sdk" && options.sdkFromSource;
      times[variant].push(await importMs(modules[variant], options.cwd, tsx));
    }
  }
  return {
    floor: median(times.floor),
    sdk: median(times.sdk),
    "codex-sdk": median(times["codex-sdk"]),
  };
}

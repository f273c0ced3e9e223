/** The cost of `import`ing each client, each time in a fresh `node` process. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { VariantId } from "./job.js";
import { median } from "./stats.js";

const execFileAsync = promisify(execFile);

/** The clients whose import is timed (`events: "results"` imports what the SDK does). */
type Imported = Exclude<VariantId, "sdk-results">;

/** Fresh processes per client: an import takes a few milliseconds, so more runs cost little. */
export const IMPORT_RUNS = 15;

/** What each client's code imports: the floor needs only Node built-ins. */
function specifiers(sdkEntry: string): Record<Imported, readonly string[]> {
  return {
    floor: ["node:child_process", "node:fs", "node:module", "node:path"],
    sdk: [sdkEntry],
    "codex-sdk": ["@openai/codex-sdk"],
  };
}

/** An empty module, imported first when the client's import is timed as a program's would be. */
const PROGRAM_ENTRY = new URL("program-entry.mjs", import.meta.url).href;

/**
 * Where the import is timed: as the first file module of the process, which also pays for Node's
 * ES module loader of files starting (about 2 ms here), or after an empty module of the program's
 * own has been loaded, as in any program whose entry is a file: the client's cost alone.
 */
export type ImportTiming = "first" | "afterEntry";

async function importMs(
  modules: readonly string[],
  cwd: string,
  tsx: boolean,
  timing: ImportTiming,
): Promise<number> {
  const code =
    (timing === "afterEntry" ? `await import(${JSON.stringify(PROGRAM_ENTRY)});` : "") +
    `const t0 = performance.now();` +
    `await Promise.all(${JSON.stringify(modules)}.map((m) => import(m)));` +
    // Read before \`process.stdout\`, whose first use builds the stream (about 2 ms): as the
    // callee of the write it would be evaluated before an argument that read the clock.
    `const ms = performance.now() - t0;` +
    `process.stdout.write(String(ms));`;
  const flags = tsx ? ["--import", "tsx"] : [];
  const { stdout } = await execFileAsync(
    process.execPath,
    [...flags, "--input-type=module", "-e", code],
    { cwd },
  );
  return Number(stdout);
}

/** Median import time per client, for each timing. */
export type ImportCosts = Record<ImportTiming, Record<Imported, number | null>>;

/**
 * Median import time per client and timing over `runs` fresh processes each, interleaved.
 * `sdkFromSource` loads the SDK's TypeScript through tsx (only when the build failed).
 */
export async function measureImports(options: {
  sdkEntry: string;
  sdkFromSource: boolean;
  cwd: string;
  runs?: number;
}): Promise<ImportCosts> {
  const modules = specifiers(options.sdkEntry);
  const empty = (): Record<Imported, number[]> => ({ floor: [], sdk: [], "codex-sdk": [] });
  const times: Record<ImportTiming, Record<Imported, number[]>> = {
    first: empty(),
    afterEntry: empty(),
  };
  for (let i = 0; i < (options.runs ?? IMPORT_RUNS); i++) {
    for (const timing of Object.keys(times) as ImportTiming[]) {
      for (const variant of Object.keys(times[timing]) as Imported[]) {
        const tsx = variant === "sdk" && options.sdkFromSource;
        times[timing][variant].push(await importMs(modules[variant], options.cwd, tsx, timing));
      }
    }
  }
  const medians = (of: Record<Imported, number[]>): Record<Imported, number | null> => ({
    floor: median(of.floor),
    sdk: median(of.sdk),
    "codex-sdk": median(of["codex-sdk"]),
  });
  return { first: medians(times.first), afterEntry: medians(times.afterEntry) };
}

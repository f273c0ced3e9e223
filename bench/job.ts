/** What the orchestrator (`run.ts`) and a measuring child process (`child.ts`) exchange. */

/**
 * The clients compared: the floor, this SDK, this SDK started with `events: "results"` (the
 * server sends no per-token deltas), and `@openai/codex-sdk`.
 */
export const VARIANTS = ["floor", "sdk", "sdk-results", "codex-sdk"] as const;
export type VariantId = (typeof VARIANTS)[number];

export const VARIANT_LABELS: Readonly<Record<VariantId, string>> = {
  floor: "floor",
  sdk: "this SDK",
  "sdk-results": 'this SDK, events: "results"',
  "codex-sdk": "@openai/codex-sdk",
};

export const WORKLOAD_IDS = [
  "startup",
  "turns",
  "stream",
  "concurrent",
  "soak",
  "threads",
] as const;
export type WorkloadId = (typeof WORKLOAD_IDS)[number];

/** One measured run of one workload by one client, in a fresh process. */
export interface Job {
  readonly workload: WorkloadId;
  readonly variant: VariantId;
  /** The pinned `codex` binary (for `@openai/codex-sdk`'s `codexPathOverride`). */
  readonly binary: string;
  /** Its helper folder (`rg`), put first on PATH as the SDK does. */
  readonly pathDir: string | undefined;
  /** The harness env (`CODEX_HOME`, ...) to merge over `process.env` for the runtime. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** An empty directory, used as the cwd of the server and of every thread. */
  readonly workDir: string;
  /** URL of the SDK entry to import (`dist/index.js`, or the TS source when not built). */
  readonly sdkEntry: string;
  /**
   * URL of the `./testing` entry beside `sdkEntry`, which exports `clientStats`, when the job
   * reads the client's table sizes (see internals.ts).
   */
  readonly sdkTestingEntry?: string;
  /** When set, the child writes a CPU profile of the workload (not of its start-up) here. */
  readonly profilePath?: string;
}

/** What a run measured: figures by metric key (null: not applicable), plus free-form details. */
export interface Measurement {
  readonly metrics: Readonly<Record<string, number | null>>;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** The child prints its measurement on one stdout line starting with this. */
export const RESULT_PREFIX = "@@bench-result ";

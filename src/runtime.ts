import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

/** Where the pinned runtime's native binary lives, and the folder of helper tools it wants on PATH. */
export interface RuntimeLocation {
  /** Absolute path of the native `codex` executable. */
  readonly binary: string;
  /** The package's `codex-path` folder (it holds `rg`), when present. */
  readonly pathDir: string | undefined;
}

const TARGETS: Readonly<Record<string, { pkg: string; triple: string }>> = {
  "linux-x64": { pkg: "@openai/codex-linux-x64", triple: "x86_64-unknown-linux-musl" },
  "linux-arm64": { pkg: "@openai/codex-linux-arm64", triple: "aarch64-unknown-linux-musl" },
  "darwin-x64": { pkg: "@openai/codex-darwin-x64", triple: "x86_64-apple-darwin" },
  "darwin-arm64": { pkg: "@openai/codex-darwin-arm64", triple: "aarch64-apple-darwin" },
  "win32-x64": { pkg: "@openai/codex-win32-x64", triple: "x86_64-pc-windows-msvc" },
  "win32-arm64": { pkg: "@openai/codex-win32-arm64", triple: "aarch64-pc-windows-msvc" },
};

const require = createRequire(import.meta.url);

/**
 * Finds the native `codex` binary that the pinned `@openai/codex` dependency installed for this
 * platform. Throws an error that says what to install or set when it is missing.
 */
export function locateRuntime(
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): RuntimeLocation {
  const target = TARGETS[`${platform}-${arch}`];
  if (target === undefined) {
    throw new Error(
      `The Codex runtime has no build for ${platform}-${arch}. ` +
        `Pass codexBin with the path of a codex executable built for this machine.`,
    );
  }
  let pkgRoot: string;
  try {
    // The platform packages are optional dependencies of @openai/codex, so resolve from there.
    const codexPkg = require.resolve("@openai/codex/package.json");
    const fromCodex = createRequire(codexPkg);
    pkgRoot = path.dirname(fromCodex.resolve(`${target.pkg}/package.json`));
  } catch {
    throw new Error(
      `Unable to locate the pinned Codex runtime package ${target.pkg}. ` +
        `Reinstall dependencies (npm ci) so that @openai/codex installs its platform binary, ` +
        `or pass codexBin with the path of a codex executable.`,
    );
  }
  const vendor = path.join(pkgRoot, "vendor", target.triple);
  const binary = path.join(vendor, "bin", platform === "win32" ? "codex.exe" : "codex");
  if (!existsSync(binary)) {
    throw new Error(
      `The Codex runtime package ${target.pkg} is installed but has no binary at ${binary}. ` +
        `Reinstall dependencies (npm ci) or pass codexBin.`,
    );
  }
  const pathDir = path.join(vendor, "codex-path");
  return { binary, pathDir: existsSync(pathDir) ? pathDir : undefined };
}

/** Checks an explicit `codexBin` path, naming it and the fix when it does not exist. */
export function checkCodexBin(codexBin: string): string {
  if (!existsSync(codexBin)) {
    throw new Error(
      `Codex binary not found at ${codexBin}. Set codexBin to the path of an existing codex ` +
        `executable, or omit it to use the runtime pinned by this SDK.`,
    );
  }
  return codexBin;
}

/**
 * Returns a copy of `env` with `dir` first on PATH, without duplicates. On Windows the existing
 * key's casing is kept and other-cased PATH keys are dropped.
 */
export function prependPath(env: NodeJS.ProcessEnv, dir: string): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  const keys = Object.keys(out).filter((k) => k.toUpperCase() === "PATH");
  const key =
    process.platform === "win32" ? (keys.find((k) => k === "Path") ?? keys[0] ?? "Path") : "PATH";
  const current = out[key] ?? "";
  for (const k of keys) if (k !== key) delete out[k];
  const parts = current.split(path.delimiter).filter((p) => p !== "" && p !== dir);
  out[key] = [dir, ...parts].join(path.delimiter);
  return out;
}

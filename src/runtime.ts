import {
  accessSync,
  constants,
  existsSync,
  readFileSync,
  realpathSync,
  statSync,
  type Stats,
} from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { installedRequire, moduleFile } from "./internal/builtins.js";
import { checkNonEmpty, checkSpawnable } from "./internal/validate.js";
import { SDK_VERSION } from "./version.js";

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

/**
 * Finds the native `codex` binary that the pinned `@openai/codex` dependency installed for this
 * platform, looking from `from` (this module's folder). Throws an error that says what to
 * install or set when it is missing.
 */
export function locateRuntime(
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
  from: string = moduleDir(),
): RuntimeLocation {
  // Android (Termux) runs the Linux build, as the runtime's own launcher does.
  const system = platform === "android" ? "linux" : platform;
  const target = TARGETS[`${system}-${arch}`];
  if (target === undefined) {
    throw new Error(
      `The Codex runtime has no build for ${platform}-${arch}. ` +
        `Pass codexBin with the path of a codex executable built for this machine.`,
    );
  }
  // Only an error needs it: reading @openai/codex's manifest is not paid on the way to a binary.
  const install = () => `npm install ${installSpec(target.pkg, system, arch)}`;
  const pkgRoot = findPlatformPackage(target.pkg, from);
  if (pkgRoot === undefined && !codexInstalled(from)) {
    // Nothing of the runtime at all: a bundle shipped without its node_modules, say.
    throw new Error(
      `The Codex runtime is not installed: neither @openai/codex nor ${target.pkg} is in a ` +
        `node_modules folder at or above ${from}, where this SDK's code runs from (a bundle ` +
        `shipped without node_modules has none). Install @openai/codex@${SDK_VERSION} there ` +
        `(a bundle needs ${target.pkg} beside it), or pass codexBin with the path of a codex ` +
        `executable.`,
    );
  }
  if (pkgRoot === undefined) {
    throw new Error(
      `The Codex runtime for ${platform}-${arch} is not installed: ${target.pkg}, an optional ` +
        `dependency of @openai/codex, is missing (as after npm install --omit=optional, or with ` +
        `a lockfile made on another operating system). Install it with \`${install()}\`, ` +
        `or pass codexBin with the path of a codex executable.`,
    );
  }
  const vendor = path.join(pkgRoot, "vendor", target.triple);
  const binary = path.join(vendor, "bin", platform === "win32" ? "codex.exe" : "codex");
  if (!existsSync(binary)) {
    throw new Error(
      `The Codex runtime package ${target.pkg} is installed but has no binary at ${binary}. ` +
        `Reinstall it with \`${install()}\`, or pass codexBin.`,
    );
  }
  const pathDir = path.join(vendor, "codex-path");
  return { binary, pathDir: existsSync(pathDir) ? pathDir : undefined };
}

/**
 * The platform package's folder. It is an optional dependency of @openai/codex, so it is looked
 * up from there first, then from `from` (this module), which also finds one a user installed by
 * hand in layouts that do not hoist (pnpm). The `node_modules` folders are walked as `require`
 * walks them: in a fresh process that costs about a third of `require.resolve`'s first use (0.4
 * against 1.1 ms of CPU). `require.resolve` answers only when the walk finds nothing (Node's
 * global folders, Yarn Plug'n'Play).
 */
export function findPlatformPackage(pkg: string, from = moduleDir()): string | undefined {
  const codex = nearestPackage(from, "@openai/codex");
  return (
    (codex === undefined ? undefined : nearestPackage(codex, pkg)) ??
    nearestPackage(from, pkg) ??
    resolvePlatformPackage(pkg)
  );
}

/**
 * The real path of package `name` in the nearest `node_modules` folder at or above `start`,
 * skipping folders that are themselves named `node_modules`, as `require` does.
 */
function nearestPackage(start: string, name: string): string | undefined {
  for (let dir = start; ;) {
    if (path.basename(dir) !== "node_modules") {
      const candidate = path.join(dir, "node_modules", name);
      if (existsSync(path.join(candidate, "package.json"))) return realpathSync.native(candidate);
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

// Whether @openai/codex is found from `from`, as the walk or `require.resolve` find it.
function codexInstalled(from: string): boolean {
  if (nearestPackage(from, "@openai/codex") !== undefined) return true;
  const req = from === moduleDir() ? installedRequire() : createRequire(path.join(from, "_"));
  return resolveFrom(req, "@openai/codex/package.json") !== undefined;
}

// What `require.resolve` finds from this module, for the layouts the walk does not know.
function resolvePlatformPackage(pkg: string): string | undefined {
  const own = installedRequire();
  const codexManifest = resolveFrom(own, "@openai/codex/package.json");
  const from = codexManifest === undefined ? [own] : [createRequire(codexManifest), own];
  for (const req of from) {
    const found = resolveFrom(req, `${pkg}/package.json`);
    if (found !== undefined) return path.dirname(found);
  }
  return undefined;
}

/**
 * What `npm install` takes to add the platform package under the name @openai/codex looks for:
 * @openai/codex's own alias for it when its manifest is readable, else the alias its releases use.
 */
function installSpec(pkg: string, platform: string, arch: string): string {
  const codexManifest = resolveFrom(installedRequire(), "@openai/codex/package.json");
  if (codexManifest !== undefined) {
    try {
      const manifest = JSON.parse(readFileSync(codexManifest, "utf8")) as {
        optionalDependencies?: Record<string, unknown>;
      };
      const spec = manifest.optionalDependencies?.[pkg];
      if (typeof spec === "string") return `${pkg}@${spec}`;
    } catch {
      // An unreadable manifest only costs the exact alias; the fallback is the usual one.
    }
  }
  return `${pkg}@npm:@openai/codex@${SDK_VERSION}-${platform}-${arch}`;
}

function resolveFrom(req: NodeJS.Require, id: string): string | undefined {
  try {
    return req.resolve(id);
  } catch {
    return undefined;
  }
}

function moduleDir(): string {
  return path.dirname(moduleFile());
}

/**
 * Checks an explicit `codexBin` path, naming it and the fix when it does not exist, and returns
 * it absolute. A relative path means one from this process's working directory: the child's
 * `cwd` option would otherwise change which file is run.
 */
export function checkCodexBin(codexBin: unknown): string {
  const absolute = path.resolve(checkSpawnable(checkNonEmpty(codexBin, "codexBin"), "codexBin"));
  const fix =
    "Set codexBin to the path of a codex executable, or omit it to use the runtime pinned by this SDK.";
  let found: Stats;
  try {
    found = statSync(absolute);
  } catch (err) {
    // Told by its code, the same on every Node (22 and later answer a path through a file as a
    // missing one where `throwIfNoEntry` is off): a path through a file, a loop, a directory not
    // to be read, in its own words.
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new Error(`Codex binary not found at ${absolute}. ${fix}`, { cause: err });
    }
    throw new Error(`codexBin ${absolute} cannot be used: ${(err as Error).message}. ${fix}`, {
      cause: err,
    });
  }
  if (found.isDirectory()) throw new Error(`codexBin ${absolute} is a directory. ${fix}`);
  checkNotBatch(absolute, "codexBin");
  // Windows runs what it runs by its name, not by a mode.
  if (process.platform !== "win32") {
    try {
      accessSync(absolute, constants.X_OK);
    } catch {
      throw new Error(`codexBin ${absolute} is not executable (chmod +x). ${fix}`);
    }
  }
  return absolute;
}

/**
 * Refuses, on Windows, a batch file (npm's `codex.cmd` shim, say), which Node runs only through
 * a shell, and the SDK never uses one: the spawn would fail with a bare `EINVAL`.
 */
export function checkNotBatch(command: string, name: string): string {
  if (process.platform === "win32" && /\.(cmd|bat)$/i.test(command)) {
    throw new TypeError(
      `${name} ${command} is a batch file, which Node runs only through a shell, and the SDK ` +
        "spawns none: give the native codex.exe (npm installs it as " +
        "@openai/codex-win32-<arch>/vendor/<target>/bin/codex.exe), or leave the command out " +
        "to run the runtime pinned by this SDK",
    );
  }
  return command;
}

/**
 * Returns a copy of `env` with `dir` first on PATH, without duplicates. On Windows the existing
 * key's casing is kept and other-cased PATH keys are dropped.
 */
export function prependPath(env: NodeJS.ProcessEnv, dir: string): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  // Elsewhere `Path` and `path` are variables of their own, kept as they are.
  const windows = process.platform === "win32";
  const keys = windows ? Object.keys(out).filter((k) => k.toUpperCase() === "PATH") : [];
  const key = windows ? (keys.find((k) => k === "Path") ?? keys[0] ?? "Path") : "PATH";
  const current = out[key] ?? "";
  for (const k of keys) if (k !== key) delete out[k];
  const parts = current.split(path.delimiter).filter((p) => p !== "" && p !== dir);
  out[key] = [dir, ...parts].join(path.delimiter);
  return out;
}

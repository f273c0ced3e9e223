import { createRequire } from "node:module";
import path from "node:path";
import type * as querystring from "node:querystring";
import type * as url from "node:url";
import type * as util from "node:util";

// This module's URL (the ES build) or path (CommonJS builds), when the build gives one: a bundler
// that turns this module into CommonJS (esbuild --format=cjs) leaves `import.meta.url` undefined,
// and the package's own CommonJS build defines it as `__filename`.
function ownLocation(): string | undefined {
  const own: unknown = (import.meta as { url?: unknown }).url;
  if (typeof own === "string") return own;
  return typeof __filename === "string" ? __filename : undefined;
}

/**
 * This module's file, found on use rather than at load: in a bundle, the bundle's own file; the
 * working directory's `index.js` when nothing tells.
 */
export function moduleFile(): string {
  const own = ownLocation();
  if (own === undefined) return path.join(process.cwd(), "index.js");
  return own.startsWith("file:") ? nodeUrl().fileURLToPath(own) : own;
}

let installed: NodeJS.Require | undefined;

/**
 * A `require` that finds the packages installed where this module is: beside the app's
 * `node_modules` copy of the SDK, or beside the bundle that holds it.
 */
export function installedRequire(): NodeJS.Require {
  installed ??= createRequire(moduleFile());
  return installed;
}

let required: NodeJS.Require | undefined;

// Node's own modules that only cold paths use are loaded on first use: imported as ES modules,
// each would have its facade built as the SDK loads (node:util's alone costs about 0.3 ms of an
// import of 10). `process.getBuiltinModule` (Node 20.16 and later) hands one over in microseconds;
// before it, a `require` made for the purpose, which resolves a built-in module from any file:
// Node's own serves when this module's is not known.
function load<T>(id: string): T {
  const { getBuiltinModule } = process as { getBuiltinModule?: unknown };
  if (typeof getBuiltinModule === "function") return process.getBuiltinModule(id) as T;
  required ??= createRequire(ownLocation() ?? process.execPath);
  return required(id) as T;
}

/** `node:url`, required on first use. */
export function nodeUrl(): typeof url {
  return load("node:url");
}

/** `node:util`, required on first use. */
export function nodeUtil(): typeof util {
  return load("node:util");
}

/** `node:querystring`, required on first use. */
export function nodeQuerystring(): typeof querystring {
  return load("node:querystring");
}

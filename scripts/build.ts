/**
 * Builds dist/: declarations from tsc, and JavaScript bundled by esbuild into one file per entry
 * point plus shared chunks, because Node's ESM loader pays per file and an import of twenty small
 * modules costs several times what one file does. Chunks keep one copy of each class across the
 * `.`, `./types` and `./testing` entries, so `instanceof` works between them.
 */
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import { build } from "esbuild";

const require = createRequire(import.meta.url);
rmSync("dist", { recursive: true, force: true });
execFileSync(
  process.execPath,
  [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json"],
  {
    stdio: "inherit",
  },
);
await build({
  entryPoints: ["src/index.ts", "src/types.ts", "src/testing/index.ts"],
  outdir: "dist",
  outbase: "src",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  sourcemap: true,
  chunkNames: "chunks/[name]-[hash]",
  logLevel: "warning",
});

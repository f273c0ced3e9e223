import { fileURLToPath } from "node:url";

import { defineConfig } from "vitest/config";

// The package's own name resolves to its sources, as `tsconfig.json`'s paths say: the examples
// import `codex-app-server-sdk`, and the tests must run on a fresh clone, before any build.
const source = (file: string) => fileURLToPath(new URL(`./src/${file}`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^codex-app-server-sdk$/, replacement: source("index.ts") },
      { find: /^codex-app-server-sdk\/testing$/, replacement: source("testing/index.ts") },
      { find: /^codex-app-server-sdk\/types$/, replacement: source("types.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", "./test/support/summary-reporter.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});

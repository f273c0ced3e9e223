/**
 * Moves the SDK to another Codex runtime in one command:
 *
 *   npm run runtime:upgrade -- <version>
 *
 * 1. Reads the protocol of the runtime installed now (`generate-json-schema`, stable and
 *    experimental).
 * 2. Installs `@openai/codex@<version>` as an exact dependency (`npm install --save-exact`, which
 *    also updates the lockfile) and sets the package version and `SDK_VERSION` to the same.
 * 3. Reads the new runtime's protocol and writes an entry at the top of `docs/runtime-changes.md`:
 *    methods added and removed (stable and experimental apart) and wire types whose fields
 *    changed. Its last section, what the SDK itself had to change, is left for a human.
 * 4. Regenerates `src/generated/` (scripts/generate-protocol.ts).
 *
 * Every step is idempotent: run again with the same version, it changes nothing. An entry is
 * written only when the installed runtime was another version, so there is never a second one.
 * The old runtime's protocol is kept in node_modules/.cache until its entry is written: a run
 * stopped after the install, which removes the old binary, writes the entry when run again.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

import * as prettier from "prettier";
import ts from "typescript";

import { locateRuntime } from "../src/runtime.js";
import { DEFAULT_OUT_DIR, generateProtocol } from "./generate-protocol.js";
import { isMain } from "./is-main.js";
import {
  diffSurfaces,
  hasEntryFor,
  isSchema,
  readBundles,
  readSurface,
  renderEntry,
  surfaceFromBundles,
  type ProtocolBundles,
  type ProtocolSurface,
} from "./runtime-changes.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CHANGES_FILE = path.join(ROOT, "docs", "runtime-changes.md");
const VERSION_FILE = path.join(ROOT, "src", "version.ts");
const PACKAGE = "@openai/codex";
const PENDING_FILE = path.join(ROOT, "node_modules", ".cache", "codex-runtime-upgrade.json");

/** An upgrade begun, with the protocol of the runtime it replaces, read before the install. */
export interface PendingUpgrade extends ProtocolBundles {
  readonly from: string;
  readonly to: string;
}

/**
 * The upgrade to `version` that `text` (the pending file's) records, if that is the one it
 * records: one begun towards another version is not this one's.
 */
export function pendingFor(text: string | undefined, version: string): PendingUpgrade | undefined {
  if (text === undefined) return undefined;
  let pending: Partial<Record<keyof PendingUpgrade, unknown>>;
  try {
    pending = JSON.parse(text) as typeof pending;
  } catch {
    console.warn(`${PENDING_FILE} is not JSON: no upgrade begun before is resumed.`);
    return undefined;
  }
  if (
    pending.to !== version ||
    typeof pending.from !== "string" ||
    !isSchema(pending.stable) ||
    !isSchema(pending.experimental)
  ) {
    return undefined;
  }
  return pending as PendingUpgrade;
}

const CHANGES_INTRO = `# Runtime changes

What changed in the app-server protocol at each upgrade of the pinned Codex runtime, newest
first. \`npm run runtime:upgrade -- <version>\` writes each entry from the JSON Schema of the old
and the new binary; the last section of an entry, what the SDK itself had to change, is written
by hand.
`;

/** The installed runtime's version, read from disk (not `require`, whose cache would be stale). */
function installedVersion(): string {
  const require = createRequire(import.meta.url);
  const file = require.resolve(`${PACKAGE}/package.json`);
  const { version } = JSON.parse(readFileSync(file, "utf8")) as { version?: unknown };
  if (typeof version !== "string") throw new Error(`${file} has no version`);
  return version;
}

function npm(args: string[]): void {
  console.log(`$ npm ${args.join(" ")}`);
  const result = spawnSync("npm", args, { cwd: ROOT, stdio: "inherit", shell: false });
  if (result.error !== undefined) throw new Error(`Failed to run npm: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`npm ${args[0]} exited with ${result.status}`);
}

/** Rewrites the `SDK_VERSION` literal of src/version.ts, found with the TypeScript parser. */
export function withSdkVersion(source: string, version: string): string {
  const file = ts.createSourceFile(VERSION_FILE, source, ts.ScriptTarget.Latest, true);
  let literal: ts.StringLiteral | undefined;
  const visit = (node: ts.Node): void => {
    if (
      ts.isVariableDeclaration(node) &&
      ts.isIdentifier(node.name) &&
      node.name.text === "SDK_VERSION" &&
      node.initializer !== undefined &&
      ts.isStringLiteral(node.initializer)
    ) {
      literal = node.initializer;
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  if (literal === undefined) throw new Error(`${VERSION_FILE} has no SDK_VERSION string literal`);
  return (
    source.slice(0, literal.getStart(file)) + JSON.stringify(version) + source.slice(literal.end)
  );
}

/** The changes document with `entry` placed first, before every older entry. */
export function withEntry(doc: string | undefined, entry: string): string {
  const base = doc ?? CHANGES_INTRO;
  const first = /^## /m.exec(base);
  if (first === null) return `${base.trimEnd()}\n\n${entry}`;
  return `${base.slice(0, first.index)}${entry.trimEnd()}\n\n${base.slice(first.index)}`;
}

async function formatMarkdown(file: string, text: string): Promise<string> {
  const config = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(text, { ...config, filepath: file });
}

/** Files outside the changes log that still name `version`, to be reworded by hand. */
function mentionsOf(version: string): string[] {
  const files = [
    "README.md",
    ...["api-reference.md", "faq.md", "getting-started.md", "testing.md"].map((f) => `docs/${f}`),
  ];
  const found: string[] = [];
  for (const file of files) {
    const full = path.join(ROOT, file);
    if (!existsSync(full)) continue;
    readFileSync(full, "utf8")
      .split("\n")
      .forEach((line, i) => {
        if (line.includes(version)) found.push(`${file}:${i + 1}`);
      });
  }
  return found;
}

export async function upgradeRuntime(version: string): Promise<void> {
  if (!/^\d+\.\d+\.\d+(?:-[\w.]+)?$/.test(version)) {
    throw new Error(`Expected an exact version such as 0.171.0, got ${JSON.stringify(version)}`);
  }
  let from = installedVersion();
  let before: ProtocolSurface | undefined;
  if (from !== version) {
    console.log(`Reading the protocol of the installed runtime ${from}...`);
    const pending: PendingUpgrade = { from, to: version, ...readBundles(locateRuntime().binary) };
    mkdirSync(path.dirname(PENDING_FILE), { recursive: true });
    writeFileSync(PENDING_FILE, JSON.stringify(pending));
    before = surfaceFromBundles(from, pending.stable, pending.experimental);
  } else {
    const text = existsSync(PENDING_FILE) ? readFileSync(PENDING_FILE, "utf8") : undefined;
    const pending = pendingFor(text, version);
    if (pending !== undefined) {
      console.log(`Resuming the upgrade from ${pending.from}, whose protocol was read before.`);
      from = pending.from;
      before = surfaceFromBundles(from, pending.stable, pending.experimental);
    }
  }

  npm(["install", "--save-exact", "--no-audit", "--no-fund", `${PACKAGE}@${version}`]);
  npm(["version", version, "--no-git-tag-version", "--allow-same-version"]);
  const installed = installedVersion();
  if (installed !== version) {
    throw new Error(`npm installed ${PACKAGE} ${installed}, not ${version}`);
  }
  const binary = locateRuntime().binary;

  const versionSource = readFileSync(VERSION_FILE, "utf8");
  const newVersionSource = withSdkVersion(versionSource, version);
  if (newVersionSource !== versionSource) writeFileSync(VERSION_FILE, newVersionSource);

  const doc = existsSync(CHANGES_FILE) ? readFileSync(CHANGES_FILE, "utf8") : undefined;
  const writeEntry = before !== undefined && !hasEntryFor(doc ?? "", version);
  if (before !== undefined && writeEntry) {
    console.log(`Reading the protocol of the new runtime ${version}...`);
    const entry = renderEntry(diffSurfaces(before, readSurface(binary, version)));
    writeFileSync(CHANGES_FILE, await formatMarkdown(CHANGES_FILE, withEntry(doc, entry)));
    console.log(`Wrote the ${from} -> ${version} entry at the top of docs/runtime-changes.md.`);
  } else if (!hasEntryFor(doc ?? "", version)) {
    console.warn(
      `The runtime was already ${version} and docs/runtime-changes.md has no entry for it; ` +
        `the previous runtime is gone, so none is written.`,
    );
  }
  // The entry is there now (or was): what was kept to write it is done with.
  rmSync(PENDING_FILE, { force: true });

  const files = generateProtocol(DEFAULT_OUT_DIR, { binary, version });
  console.log(`Regenerated ${files.size} files in src/generated.`);

  if (!writeEntry) {
    console.log(`The runtime is ${version}; every step was already done.`);
    return;
  }
  const stale = mentionsOf(from);
  console.log(
    [
      "",
      "Next:",
      "- fill in 'What the SDK changed' in docs/runtime-changes.md;",
      "- follow the changes through the SDK (server-request defaults, routing, readers of changed",
      "  types); test/unit/drift.test.ts names what is not covered;",
      ...(stale.length > 0 ? [`- reword what still names ${from}: ${stale.join(", ")};`] : []),
      "- npm run protocol:coverage, to list the new methods in docs/protocol-coverage.md;",
      "- npm run typecheck && npm test.",
    ].join("\n"),
  );
}

if (isMain(import.meta.url)) {
  const [version, ...rest] = process.argv.slice(2);
  if (version === undefined || rest.length > 0) {
    console.error("usage: npm run runtime:upgrade -- <version>");
    process.exitCode = 2;
  } else {
    upgradeRuntime(version).catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    });
  }
}

import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { findPlatformPackage, locateRuntime, prependPath } from "../../src/runtime.js";
import { SDK_VERSION } from "../../src/version.js";

// The platform package of another operating system is never installed here, which is the state a
// user is in after `npm install --omit=optional` or with a lockfile made on another machine.
const missing =
  process.platform === "darwin" ? (["linux", "arm64"] as const) : (["darwin", "arm64"] as const);

describe("locateRuntime", () => {
  it("finds this platform's binary through @openai/codex", () => {
    const { binary } = locateRuntime();
    expect(binary).toMatch(/codex(\.exe)?$/);
  });

  it("names the exact package to install when the platform binary is missing", () => {
    const [platform, arch] = missing;
    const pkg = `@openai/codex-${platform}-${arch}`;
    let message = "";
    try {
      locateRuntime(platform, arch);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(
      `npm install ${pkg}@npm:@openai/codex@${SDK_VERSION}-${platform}-${arch}`,
    );
    expect(message).toContain("codexBin");
    expect(message).not.toContain("npm ci");
  });

  it("says where it looked when neither @openai/codex nor its platform package is there, as from a bundle shipped alone", () => {
    const [platform, arch] = missing;
    const pkg = `@openai/codex-${platform}-${arch}`;
    const bundleDir = realpathSync(mkdtempSync(path.join(tmpdir(), "codex-sdk-bundle-")));
    try {
      expect(() => locateRuntime(platform, arch, bundleDir)).toThrow(
        `The Codex runtime is not installed: neither @openai/codex nor ${pkg} is in a ` +
          `node_modules folder at or above ${bundleDir}`,
      );
      // With @openai/codex there, what is missing is its platform package alone.
      const codex = path.join(bundleDir, "node_modules", "@openai", "codex");
      mkdirSync(codex, { recursive: true });
      writeFileSync(path.join(codex, "package.json"), "{}");
      expect(() => locateRuntime(platform, arch, bundleDir)).toThrow(
        `${pkg}, an optional dependency of @openai/codex, is missing`,
      );
    } finally {
      rmSync(bundleDir, { recursive: true, force: true });
    }
  });

  it("runs the Linux build on Android (Termux), as the runtime's own launcher does", () => {
    // The binary, or (where the Linux package is not installed) the same error naming it.
    const outcome = (platform: NodeJS.Platform) => {
      try {
        return locateRuntime(platform, process.arch);
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(outcome("android")).toEqual(outcome("linux"));
    expect(JSON.stringify(outcome("android"))).not.toContain("no build");
  });

  it("points at codexBin on a platform the runtime does not ship for", () => {
    expect(() => locateRuntime("aix", "ppc64")).toThrow(/no build for aix-ppc64.*codexBin/);
  });
});

// What `require.resolve` answers from `from`, the way the runtime was found before the walk: the
// platform package from @openai/codex's folder first, then from `from`.
function resolvedByRequire(pkg: string, from: string): string | undefined {
  const resolve = (base: string, id: string) => {
    try {
      return createRequire(base).resolve(id);
    } catch {
      return undefined;
    }
  };
  const own = path.join(from, "index.js");
  const codex = resolve(own, "@openai/codex/package.json");
  const found =
    (codex === undefined ? undefined : resolve(codex, `${pkg}/package.json`)) ??
    resolve(own, `${pkg}/package.json`);
  return found === undefined ? undefined : path.dirname(found);
}

describe("findPlatformPackage", () => {
  const PKG = "@openai/codex-test-x64";
  // Made before the tests run, not as they are collected: a run that filters them all out runs
  // no afterAll to remove it.
  let root = "";
  beforeAll(() => {
    root = realpathSync(mkdtempSync(path.join(tmpdir(), "codex-sdk-layout-")));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let count = 0;
  // A fresh project folder holding a package.json in each of `packages`, and `links` (at -> to).
  function layout(packages: string[], links: [string, string][] = []): string {
    const dir = path.join(root, `p${++count}`);
    for (const pkg of packages) {
      mkdirSync(path.join(dir, pkg), { recursive: true });
      writeFileSync(path.join(dir, pkg, "package.json"), "{}");
    }
    for (const [at, to] of links) {
      mkdirSync(path.dirname(path.join(dir, at)), { recursive: true });
      symlinkSync(path.join(dir, to), path.join(dir, at), "dir");
    }
    return dir;
  }
  const sdk = "node_modules/codex-app-server-sdk/dist";

  it.each([
    [
      "hoisted next to @openai/codex (npm)",
      [sdk, "node_modules/@openai/codex", `node_modules/${PKG}`],
    ],
    [
      "nested under @openai/codex, which wins over a hoisted one",
      [
        sdk,
        "node_modules/@openai/codex",
        `node_modules/@openai/codex/node_modules/${PKG}`,
        `node_modules/${PKG}`,
      ],
    ],
    ["installed by hand without @openai/codex", [sdk, `node_modules/${PKG}`]],
    ["beside the SDK's own folder", [sdk, `node_modules/codex-app-server-sdk/node_modules/${PKG}`]],
  ])("finds the package require finds: %s", (_name, packages) => {
    const dir = layout(packages);
    const from = path.join(dir, sdk);
    const found = findPlatformPackage(PKG, from);
    expect(found).toBeDefined();
    expect(found).toBe(resolvedByRequire(PKG, from));
  });

  it("follows @openai/codex's link to its real folder, as pnpm lays packages out", () => {
    const store = "node_modules/.pnpm/codex@1/node_modules";
    const sdkStore = "node_modules/.pnpm/sdk@1/node_modules";
    const dir = layout(
      [`${store}/@openai/codex`, `${store}/${PKG}`, `${sdkStore}/codex-app-server-sdk/dist`],
      [[`${sdkStore}/@openai/codex`, `${store}/@openai/codex`]],
    );
    const from = path.join(dir, sdkStore, "codex-app-server-sdk/dist");
    const found = findPlatformPackage(PKG, from);
    expect(found).toBe(path.join(dir, store, PKG));
    expect(found).toBe(resolvedByRequire(PKG, from));
  });

  it("leaves a layout without node_modules to require, which looks from this module", () => {
    const from = layout(["src"]);
    const installed = path.dirname(
      path.dirname(path.dirname(path.dirname(locateRuntime().binary))),
    );
    const pkg = `@openai/codex-${process.platform}-${process.arch}`;
    expect(findPlatformPackage(pkg, from)).toBe(installed);
    expect(findPlatformPackage("@openai/codex-none-such", from)).toBeUndefined();
  });
});

describe("prependPath", () => {
  it("puts the directory first on PATH once; other-cased names are PATH only on Windows", () => {
    const env = { PATH: ["/usr/bin", "/helpers"].join(path.delimiter), Path: "/keep", path: "x" };
    const out = prependPath(env, "/helpers");
    if (process.platform === "win32") {
      expect(out).toEqual({ Path: ["/helpers", "/keep"].join(path.delimiter) });
    } else {
      expect(out).toEqual({ PATH: "/helpers:/usr/bin", Path: "/keep", path: "x" });
    }
    // The caller's object is not changed.
    expect(env.Path).toBe("/keep");
  });
});

import { describe, expect, it } from "vitest";
import { locateRuntime } from "../../src/runtime.js";
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

  it("points at codexBin on a platform the runtime does not ship for", () => {
    expect(() => locateRuntime("aix", "ppc64")).toThrow(/no build for aix-ppc64.*codexBin/);
  });
});

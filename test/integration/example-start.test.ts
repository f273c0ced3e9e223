import { afterEach, describe, expect, it, vi } from "vitest";
import { startCodex } from "../../examples/_shared/start.js";

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("the examples' startCodex", () => {
  it("keeps object configOverrides as values when the offline provider requires a login", async () => {
    vi.stubEnv("CODEX_SDK_OFFLINE", "1");
    vi.spyOn(console, "log").mockImplementation(() => {});
    await using session = await startCodex({
      offlineRequiresLogin: true,
      configOverrides: {
        sandbox_workspace_write: { network_access: true },
        "shell_environment_policy.set": { FOO: "bar" },
      },
    });
    const { config } = await session.codex.config.read();
    expect(config.sandbox_workspace_write?.network_access).toBe(true);
    expect(config.shell_environment_policy).toMatchObject({ set: { FOO: "bar" } });
    expect(config.model_providers).toMatchObject({ mock: { requires_openai_auth: true } });
    vi.restoreAllMocks();
  });
});

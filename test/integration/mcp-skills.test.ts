import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { clientStats } from "../../src/codex.js";
import { InvalidRequestError, LoginTimeoutError } from "../../src/index.js";
import { tomlString } from "../../src/testing/index.js";
import { createTestCodex, type TestCodex } from "../../src/testing/test-codex.js";
import { startFakeOauthMcp, type FakeOauthMcp } from "../support/fake-oauth-mcp.js";

let t: TestCodex;
let fake: FakeOauthMcp;
beforeEach(async () => {
  fake = await startFakeOauthMcp();
  t = await createTestCodex({
    home: {
      // Tokens go to a file in the throwaway CODEX_HOME, not the machine's keyring.
      extraConfig: [
        'mcp_oauth_credentials_store = "file"',
        "[mcp_servers.docs]",
        `url = ${tomlString(fake.url)}`,
      ].join("\n"),
    },
  });
});
afterEach(async () => {
  await t.close();
  await fake.close();
});

/** What a browser does with the authorization URL: follow the redirects to the runtime. */
async function visit(url: string): Promise<void> {
  const response = await fetch(url);
  await response.text();
}

describe("Codex.mcpLogin", () => {
  it("returns the authorization URL, and wait() resolves once the browser comes back", async () => {
    const listeners = clientStats(t.codex)["router.methodListeners"];
    const login = await t.codex.mcpLogin("docs", { timeoutSecs: 30 });
    expect(login.serverName).toBe("docs");
    expect(new URL(login.authorizationUrl).origin).toBe(new URL(fake.url).origin);
    expect(typeof login.loginId).toBe("string");
    await visit(login.authorizationUrl);
    const completion = await login.wait({ timeout: 10_000 });
    expect(completion).toMatchObject({ name: "docs", success: true, loginId: login.loginId });
    expect(fake.requests).toContain("POST /token");
    // The login's subscription ended with its completion.
    expect(clientStats(t.codex)["router.methodListeners"]).toBe(listeners);
  });

  it("resolves with success: false when the user refuses", async () => {
    fake.denyWith = "access_denied";
    const login = await t.codex.mcpLogin("docs");
    await visit(login.authorizationUrl);
    const completion = await login.wait({ timeout: 10_000 });
    expect(completion.success).toBe(false);
    expect(fake.requests).not.toContain("POST /token");
  });

  it("a wait timeout ends the wait, not the login", async () => {
    const login = await t.codex.mcpLogin("docs");
    const err = await login.wait({ timeout: 50 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoginTimeoutError);
    // Named by the completion it waited for.
    expect(err).toMatchObject({ method: "mcpServer/oauthLogin/completed", timeoutMs: 50 });
    await visit(login.authorizationUrl);
    expect((await login.wait()).success).toBe(true);
  });

  it("rejects an unknown server, and bad arguments before any I/O", async () => {
    const listeners = clientStats(t.codex)["router.methodListeners"];
    await expect(t.codex.mcpLogin("nope")).rejects.toBeInstanceOf(InvalidRequestError);
    for (const call of [
      () => t.codex.mcpLogin(""),
      () => t.codex.mcpLogin("docs", { timeoutSecs: 0 }),
      () => t.codex.mcpLogin("docs", { scopes: "read" as never }),
      // eslint-disable-next-line no-sparse-arrays -- a hole would be sent as null
      () => t.codex.mcpLogin("docs", { scopes: ["a", , "b"] as string[] }),
      () => t.codex.mcpLogin("docs", { clientRegistration: "magic" as never }),
      () => t.codex.mcpLogin("docs", { timeout: -1 }),
    ]) {
      let result!: Promise<unknown>;
      expect(() => (result = call())).not.toThrow();
      const err = await result.catch((e: unknown) => e);
      expect(err, String(call)).toSatisfy((e) => e instanceof TypeError || e instanceof RangeError);
    }
    expect(clientStats(t.codex)["router.methodListeners"]).toBe(listeners);
    expect(clientStats(t.codex)["connection.pending"]).toBe(0);
  });

  it("fails the wait when the app-server goes away", async () => {
    const login = await t.codex.mcpLogin("docs");
    await t.codex.close();
    await expect(login.wait()).rejects.toMatchObject({ name: "TransportClosedError" });
  });
});

describe("Codex.mcpServers", () => {
  it("lists the configured servers and their auth status", async () => {
    const servers = await t.codex.mcpServers({ detail: "toolsAndAuthOnly" });
    expect(servers.map((server) => server.name)).toEqual(["docs"]);
    expect(servers[0]!.authStatus).toBe("notLoggedIn");
    expect(servers[0]!.httpOrigin).toBe(new URL(fake.url).origin);
    await expect(t.codex.mcpServers({ detail: "some" as never })).rejects.toThrow(TypeError);
  });
});

describe("Codex.skills", () => {
  it("lists the skills of a working directory", async () => {
    const { data } = await t.codex.skills({ cwds: [t.workDir], forceReload: true });
    expect(data).toHaveLength(1);
    expect(data[0]!.cwd).toBe(t.workDir);
    expect(data[0]!.skills.length).toBeGreaterThan(0);
    for (const skill of data[0]!.skills) {
      expect(typeof skill.name).toBe("string");
      expect(typeof skill.path).toBe("string");
      // The runtime writes a missing optional string as null; the type says it is left out.
      const optional = { ...skill, ...skill.interface };
      for (const key of ["shortDescription", "displayName", "brandColor", "defaultPrompt"]) {
        expect(optional[key as keyof typeof optional]).not.toBeNull();
      }
    }
    const interfaces = data[0]!.skills.filter((skill) => skill.interface !== undefined);
    expect(interfaces.length).toBeGreaterThan(0);
    await expect(t.codex.skills({ cwds: [""] })).rejects.toThrow(TypeError);
    // eslint-disable-next-line no-sparse-arrays -- a hole would be sent as null
    await expect(t.codex.skills({ cwds: [t.workDir, , t.workDir] as string[] })).rejects.toThrow(
      "cwds[1]",
    );
    await expect(t.codex.skills({ forceReload: "yes" as never })).rejects.toThrow(TypeError);
    // The runtime lists a directory with a NUL as one without its project's skills.
    await expect(t.codex.skills({ cwds: [`${t.workDir}/\0`] })).rejects.toThrow(
      new TypeError("cwds[0] contains a NUL character, which no path can hold"),
    );
  });
});

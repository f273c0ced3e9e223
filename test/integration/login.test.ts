import http from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Codex,
  CodexError,
  InternalRpcError,
  InvalidRequestError,
  JsonRpcError,
  TransportClosedError,
  TurnFailedError,
} from "../../src/index.js";
import type { ServerNotificationMap } from "../../src/generated/index.js";
import {
  createCodexHome,
  startMockResponsesServer,
  type CodexHome,
  type MockResponsesServer,
} from "../../src/testing/index.js";

const KEY = "sk-test-login-integration-4f9a2c";
// The auth gate refuses this key with a body that quotes it, as real providers do.
const REJECTED_KEY = "sk-test-rejected-key-77d1e0";
// The harness writes `requires_openai_auth = false` as a dotted key, which extraConfig may not
// define again; a --config override wins over config.toml.
const REQUIRE_OPENAI_AUTH = { "model_providers.mock.requires_openai_auth": true };

/** Resolves with the params of the next `method` notification (typed through `codex.on`). */
function next<M extends "account/updated" | "account/rateLimits/updated">(
  codex: Codex,
  method: M,
): Promise<ServerNotificationMap[M]> {
  return new Promise((resolve) => {
    const off = codex.on(method, (params) => {
      off();
      resolve(params);
    });
  });
}

/** Everything an error exposes: message, stack, enumerable properties and the cause chain. */
function everything(err: unknown): string {
  const parts: string[] = [inspect(err, { depth: 10, showHidden: true })];
  let current: unknown = err;
  for (let i = 0; i < 10 && current instanceof Error; i++) {
    parts.push(current.message, current.stack ?? "", JSON.stringify({ ...current }));
    current = current.cause;
  }
  return parts.join("\n");
}

/**
 * Stands in front of the mock Responses API and answers 401 to requests without an
 * `Authorization` header, as the real API does; the mock itself accepts anything.
 */
async function startAuthGate(upstream: string) {
  const target = new URL(upstream);
  const server = http.createServer((req, res) => {
    if (req.headers.authorization === `Bearer ${REJECTED_KEY}`) {
      req.resume();
      res.writeHead(401, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          error: {
            message: `Incorrect API key provided: ${REJECTED_KEY}`,
            type: "invalid_api_key",
          },
        }),
      );
      return;
    }
    if (req.headers.authorization === undefined) {
      req.resume();
      res.writeHead(401, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          error: {
            message: "Missing bearer authentication in header",
            type: "invalid_request_error",
          },
        }),
      );
      return;
    }
    const forward = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${target.pathname}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let mock: MockResponsesServer;
let gate: Awaited<ReturnType<typeof startAuthGate>>;
let home: CodexHome;

beforeAll(async () => {
  mock = await startMockResponsesServer();
  gate = await startAuthGate(mock.url);
  home = await createCodexHome({ mockUrl: gate.url });
});

afterAll(async () => {
  await gate?.close();
  await mock?.close();
  await home?.cleanup();
});

const start = () => Codex.start({ env: { ...home.env }, configOverrides: REQUIRE_OPENAI_AUTH });

describe("API key login", () => {
  it("sends the key to the model provider, reports the account, and forgets it on logout", async () => {
    await using codex = await start();
    const api = codex;
    const before = await api.account();
    expect(before.account).toBeNull();
    expect(before.requiresOpenaiAuth).toBe(true);

    const updated = next(codex, "account/updated");
    await expect(api.loginApiKey(KEY)).resolves.toBeUndefined();
    expect((await updated).authMode).toBe("apikey");
    expect((await api.account()).account).toEqual({ type: "apiKey" });

    const thread = await codex.threadStart({ cwd: home.workDir });
    mock.enqueueAssistantMessage("hello with a key");
    const rateLimits = next(codex, "account/rateLimits/updated");
    const result = await thread.run("say hello");
    expect(result.finalResponse).toBe("hello with a key");
    expect(mock.responsesRequests.at(-1)?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect((await rateLimits).rateLimits).toHaveProperty("primary");

    const loggedOut = next(codex, "account/updated");
    await expect(api.logout()).resolves.toBeUndefined();
    expect((await loggedOut).authMode).toBeNull();
    expect((await api.account()).account).toBeNull();

    const requests = mock.responsesRequests.length;
    const err = await thread.run("say hello again").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TurnFailedError);
    expect((err as TurnFailedError).message).toMatch(/401 Unauthorized/);
    // The gate turned it away: the mock never saw the request.
    expect(mock.responsesRequests.length).toBe(requests);
  });

  it("keeps the key out of TurnFailedError when the provider's refusal quotes it", async () => {
    await using codex = await start();
    await codex.loginApiKey(REJECTED_KEY);
    const thread = await codex.threadStart({ cwd: home.workDir });
    const err = await thread.run("hello").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TurnFailedError);
    expect((err as TurnFailedError).message).toContain("Incorrect API key provided: [redacted]");
    expect(everything(err)).not.toContain(REJECTED_KEY);
    await codex.logout();
  });

  it("rejects a bad key before any I/O, without showing it", async () => {
    await using codex = await start();
    const api = codex;
    await expect(api.loginApiKey("")).rejects.toBeInstanceOf(TypeError);
    const err = await api.loginApiKey(`${KEY}\n`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect(everything(err)).not.toContain(KEY);
    expect((await api.account()).account).toBeNull();
  });

  it("keeps the key out of the error when the server refuses it", async () => {
    await using forced = await createCodexHome({
      mockUrl: gate.url,
      extraConfig: 'forced_login_method = "chatgpt"',
    });
    await using codex = await Codex.start({ env: { ...forced.env } });
    const err = await codex.loginApiKey(KEY).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect((err as InvalidRequestError).rpcMessage).toMatch(/API key login is disabled/);
    expect(everything(err)).not.toContain(KEY);
  });

  it("keeps the key out of the error when the server cannot store it", async () => {
    // No secret service runs here, so storing in the keyring fails inside the server.
    await using keyring = await createCodexHome({
      mockUrl: gate.url,
      extraConfig: 'cli_auth_credentials_store = "keyring"',
    });
    await using codex = await Codex.start({ env: { ...keyring.env } });
    const err = await codex.loginApiKey(KEY).catch((e: unknown) => e);
    // A machine with a keyring would store the key instead; then the account must show it (a
    // refusal the client lost would leave it logged out).
    if (err === undefined) {
      expect((await codex.account()).account).toEqual({ type: "apiKey" });
      return;
    }
    expect(err).toBeInstanceOf(InternalRpcError);
    expect((err as InternalRpcError).rpcMessage).toMatch(/failed to save api key/);
    expect(everything(err)).not.toContain(KEY);
  });

  it("keeps an access token out of the error when the server rejects it", async () => {
    await using codex = await start();
    const token = "not-a-jwt-secret-token-77";
    const err = await codex
      .loginChatgptAuthTokens({ accessToken: token, chatgptAccountId: "acct-test" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JsonRpcError);
    expect((err as JsonRpcError).rpcMessage).toMatch(/external auth/);
    expect(everything(err)).not.toContain(token);
  });
});

describe("ChatGPT login", () => {
  it("returns an auth URL that redirects to a local callback; cancel completes it unsuccessfully", async () => {
    await using codex = await start();
    const api = codex;
    const handle = await api.loginChatgpt();
    expect(handle.loginId).toMatch(/^[0-9a-f-]{36}$/);
    const redirect = new URL(new URL(handle.authUrl).searchParams.get("redirect_uri") ?? "");
    expect(redirect.protocol).toBe("http:");
    expect(["127.0.0.1", "localhost"]).toContain(redirect.hostname);
    // The handle shows only what the user needs; the client internals stay private.
    expect(Object.keys(JSON.parse(JSON.stringify(handle))).sort()).toEqual([
      "authUrl",
      "loginId",
      "type",
    ]);

    await expect(handle.cancel()).resolves.toEqual({ status: "canceled" });
    const completion = await handle.wait({ timeout: 10_000 });
    expect(completion).toMatchObject({ loginId: handle.loginId, success: false });
    expect(completion.error).toEqual(expect.any(String));
    // The login is over: the server no longer knows it.
    await expect(handle.cancel()).resolves.toEqual({ status: "notFound" });
  });

  it("gives two overlapping logins each their own completion", async () => {
    await using codex = await start();
    const api = codex;
    const first = await api.loginChatgpt();
    // The server runs one login at a time: starting another ends the first, unsuccessfully,
    // and its completion arrives before anyone waits for it.
    const second = await api.loginChatgpt();
    expect(second.loginId).not.toBe(first.loginId);
    await expect(second.cancel()).resolves.toEqual({ status: "canceled" });
    const [a, b] = await Promise.all([
      first.wait({ timeout: 10_000 }),
      second.wait({ timeout: 10_000 }),
    ]);
    expect(a).toMatchObject({ loginId: first.loginId, success: false });
    expect(b).toMatchObject({ loginId: second.loginId, success: false });
  });

  it("rejects a pending wait with TransportClosedError when the app-server goes away", async () => {
    await using codex = await start();
    const handle = await codex.loginChatgpt();
    const wait = handle.wait({ timeout: 20_000 }).catch((e: unknown) => e);
    await codex.close();
    expect(await wait).toBeInstanceOf(TransportClosedError);
  });

  it("ends a device-code login promptly without network: an error or a failed completion", async () => {
    await using codex = await start();
    const api = codex;
    const started = Date.now();
    const outcome = await api
      .loginChatgptDeviceCode({ timeout: 20_000 })
      .then(async (handle) => {
        // With network the server would hand out a real code; then cancelling ends it.
        await handle.cancel();
        return handle.wait({ timeout: 20_000 });
      })
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(20_000);
    if (outcome instanceof Error) {
      expect(outcome).toBeInstanceOf(CodexError);
      expect(outcome.message).toMatch(/device code/i);
    } else {
      expect(outcome).toMatchObject({ success: false });
    }
  });
});

import http from "node:http";
import type { AddressInfo } from "node:net";

/** A fake MCP server behind OAuth, on 127.0.0.1: enough of both for the runtime's login flow. */
export interface FakeOauthMcp extends AsyncDisposable {
  /** The MCP endpoint, for `[mcp_servers.<name>] url = ...`. */
  readonly url: string;
  /** Request paths received, in order (`POST /token`, ...). */
  readonly requests: string[];
  /** When set, `/authorize` redirects back with this OAuth error instead of a code. */
  denyWith: string | undefined;
  close(): Promise<void>;
}

/**
 * Serves OAuth discovery (protected-resource and authorization-server metadata), dynamic client
 * registration, an authorization endpoint that redirects straight back to the runtime's callback
 * (as a browser would after the user agreed), and a token endpoint. The MCP endpoint itself only
 * ever answers 401, which is all a login needs.
 */
export async function startFakeOauthMcp(): Promise<FakeOauthMcp> {
  const requests: string[] = [];
  let base = "";
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", base);
      requests.push(`${req.method} ${url.pathname}`);
      const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { "content-type": "application/json", ...headers });
        res.end(JSON.stringify(value));
      };
      switch (url.pathname) {
        case "/.well-known/oauth-protected-resource":
          return json(200, { resource: `${base}/mcp`, authorization_servers: [base] });
        case "/.well-known/oauth-authorization-server":
          return json(200, {
            issuer: base,
            authorization_endpoint: `${base}/authorize`,
            token_endpoint: `${base}/token`,
            registration_endpoint: `${base}/register`,
            response_types_supported: ["code"],
            grant_types_supported: ["authorization_code", "refresh_token"],
            code_challenge_methods_supported: ["S256"],
            token_endpoint_auth_methods_supported: ["none"],
          });
        case "/register": {
          const { redirect_uris } = JSON.parse(body) as { redirect_uris?: unknown };
          return json(201, {
            client_id: "fake-client",
            redirect_uris,
            token_endpoint_auth_method: "none",
          });
        }
        case "/authorize": {
          const back = new URL(url.searchParams.get("redirect_uri") ?? "");
          back.searchParams.set("state", url.searchParams.get("state") ?? "");
          if (fake.denyWith === undefined) back.searchParams.set("code", "fake-code");
          else back.searchParams.set("error", fake.denyWith);
          res.writeHead(302, { location: back.href });
          return res.end();
        }
        case "/token":
          return json(200, {
            access_token: "fake-access-token",
            token_type: "Bearer",
            expires_in: 3600,
            refresh_token: "fake-refresh-token",
          });
        case "/mcp":
          return json(
            401,
            { error: "unauthorized" },
            {
              "www-authenticate": `Bearer resource_metadata="${base}/.well-known/oauth-protected-resource"`,
            },
          );
        default:
          return json(404, { error: "not found" });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }));
  const fake: FakeOauthMcp = {
    url: `${base}/mcp`,
    requests,
    denyWith: undefined,
    close,
    [Symbol.asyncDispose]: close,
  };
  return fake;
}

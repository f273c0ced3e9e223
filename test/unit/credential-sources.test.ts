// Where the client finds the secrets it redacts: URLs, `--config` pairs (inline tables too), the
// child's environment, and the params of requests that carry a key, a token or a credential.
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { Codex } from "../../src/codex.js";
import { RequestTimeoutError } from "../../src/errors.js";
import { launchFor } from "../../src/launch.js";
import {
  Secrets,
  credentialsIn,
  envCredentials,
  isCredentialName,
  pairCredentials,
  paramsCredentials,
  urlCredentials,
} from "../../src/internal/redact.js";
import { startStandin, type ClientLine } from "../support/fault/standin.js";

const BIN = process.execPath;

describe("credential names", () => {
  it("reads -, . and _ as separators, and a numbered name as the name", () => {
    for (const name of ["api-key", "x.auth", "GITHUB_PAT", "OPENAI_API_KEY_2", "Token-3"]) {
      expect(isCredentialName(name), name).toBe(true);
    }
    for (const name of ["monkey", "pathname", "model", "base_url", "KEY2"]) {
      expect(isCredentialName(name), name).toBe(false);
    }
    for (const name of ["NODE_ENV", "VIRTUAL_ENV", "X_HEADERS", "mcp_servers.x.env"]) {
      expect(isCredentialName(name), name).toBe(false);
    }
    const more = ["DB_PASS", "MYSQL_PWD", "GPG_PASSPHRASE", "API_KEYS", "apiKeys", "dbPass"];
    for (const name of [
      ...more,
      "SLACK_WEBHOOK_URL",
      "AZURE_STORAGE_CONNECTION_STRING",
      "ConnectionStrings__Default",
      "gitHubToken",
    ]) {
      expect(isCredentialName(name), name).toBe(true);
    }
    // Alone, PWD is the working directory; a compass is no pass; a DSN may be a name.
    const plain = ["PWD", "OLDPWD", "COMPASS", "ODBC_DSN", "KEYSTORE_TYPE", "SLACK_WEBHOOK"];
    for (const name of [...plain, "keyboardLayout", "passThrough"]) {
      expect(isCredentialName(name), name).toBe(false);
    }
  });
});

describe("urlCredentials", () => {
  it("finds the password, as written, decoded and as Basic auth, and credential query values", () => {
    const url =
      "https://proxy%40corp:Pa%24%24word-123@host:8443/v1?api-key=AZURE%2BKEY0123&api-version=2024-10-21";
    const found = urlCredentials(url);
    for (const form of [
      "Pa%24%24word-123",
      "Pa$$word-123",
      "proxy%40corp:Pa%24%24word-123",
      "proxy@corp:Pa$$word-123",
      Buffer.from("proxy@corp:Pa$$word-123").toString("base64"),
      "AZURE%2BKEY0123",
      "AZURE+KEY0123",
    ]) {
      expect(found).toContain(form);
    }
    expect(found).not.toContain("2024-10-21");
    // A user alone is a token when it looks like one; a name, as a local database URL has it,
    // is not (paths and text hold it too), unless the URL is one given to reach a server with.
    const token = "ghp_Zq81mXv0RtY3pQ7sLk2NwE4rT6yU8iO0pA1s";
    expect(urlCredentials(`https://${token}@github.com/x.git`)).toContain(token);
    for (const named of [
      "postgres://jonathan@localhost/app",
      "https://jonathan.smith%40example.com@git.example.com/x.git",
    ]) {
      expect(urlCredentials(named), named).toEqual([]);
    }
    expect(urlCredentials("wss://jonathan@host/", true)).toContain("jonathan");
    // A presigned URL's signature is its credential, whatever the store calls it.
    const presigned = [
      "https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20261207T000000Z&X-Amz-Signature=5f2b0c9e8d7a6b5c4d3e",
      "https://storage.googleapis.com/b/k?X-Goog-Expires=60&X-Goog-Signature=9a8b7c6d5e4f3a2b1c0d",
      "https://d1.cloudfront.net/k?Expires=1796654809&Signature=Qm9vbXNoYWthbGFrYQ__&Key-Pair-Id=K2JCJMDEHXQW5F",
      "https://a.blob.core.windows.net/c/k?sv=2022-11-02&se=2026-12-08&sig=AbC%2Bdef0123%3D",
    ];
    const signatures = ["5f2b0c9e8d7a6b5c4d3e", "9a8b7c6d5e4f3a2b1c0d", "Qm9vbXNoYWthbGFrYQ__"];
    for (const [i, url] of presigned.entries()) {
      const values = [...new Set(urlCredentials(url))];
      if (i < 3) expect(values, url).toEqual([signatures[i]]);
      else expect(values, url).toEqual(["AbC%2Bdef0123%3D", "AbC+def0123="]);
    }
    expect(urlCredentials("https://api.openai.com/v1")).toEqual([]);
    expect(urlCredentials("not a url")).toEqual([]);
  });
});

describe("pairCredentials", () => {
  it("finds strings under a credential's name in the key or anywhere in the value", () => {
    const cases: Array<[string, string[]]> = [
      ['model_providers.x.experimental_bearer_token="sk-inline-0123"', ["sk-inline-0123"]],
      [
        'model_providers.corp={ name = "corporate", base_url = "http://x", experimental_bearer_token = "sk-INLINE-0123456789" }',
        ["sk-INLINE-0123456789"],
      ],
      [
        "mcp_servers.a.http_headers={ Authorization = \"Bearer abcdefghij\", X-Token = 'literal-secret-1', Accept = 'application/json' }",
        ["Bearer abcdefghij", "abcdefghij", "literal-secret-1"],
      ],
      ['model_providers.x.query_params={ "api-key" = "AZUREKEY0123" }', ["AZUREKEY0123"]],
      ["a.api_key=bareword12345", ["bareword12345", "bareword12345"]],
      ["x.authorization=Bearer abcdefghijk", ["Bearer abcdefghijk", "abcdefghijk"]],
      ['list=[ { token = "in-array-token-1" }, "plain-string-xx" ]', ["in-array-token-1"]],
      ['env_token=["tok-one-12345", "tok-two-12345"]', ["tok-one-12345", "tok-two-12345"]],
      // Multi-line strings, written on one line: the value is what is between the quotes.
      [
        'mcp_servers.x.http_headers="""Bearer config-secret-0123"""',
        ["Bearer config-secret-0123", "config-secret-0123"],
      ],
      // A header's value: what its scheme leads, a Basic value's password, each cookie's value.
      [
        `p.http_headers={ Authorization = "Basic ${Buffer.from("user:basic-pw-0123").toString("base64")}", Cookie = "sid=cookie-value-0123; lang=en" }`,
        expect.arrayContaining([
          "user:basic-pw-0123",
          "basic-pw-0123",
          "cookie-value-0123",
        ]) as unknown as string[],
      ],
      ["a.token='''literal-secret-0123'''", ["literal-secret-0123"]],
      ['a.token="""esc\\u0041ped-secret-0123"""', ["escAped-secret-0123"]],
      // What a URL carries, under any key.
      [
        'mcp_servers.probe.url="http://127.0.0.1:9/mcp?api_key=url-KEY-0123"',
        ["url-KEY-0123", "url-KEY-0123"],
      ],
      // A bare URL, which the runtime takes as text: what it carries, whatever follows.
      [
        "mcp_servers.x.url=https://u:pw-SECRET-0123@mcp.example/mcp?access_token=sk-FIRST-0123&v=1",
        expect.arrayContaining(["pw-SECRET-0123", "sk-FIRST-0123"]) as unknown as string[],
      ],
      ['model="gpt-5.1-codex-max"', []],
      ['a.token="short"', []],
      // A number would be redacted inside the JSON numbers of the server's lines.
      ["mcp_servers.x.env={ MAX_BYTES = 1000000000, WHEN = 2024-10-21 }", []],
      // An entry of a table of variables or headers is one as its own name says.
      [
        'mcp_servers.x.env={ NODE_ENV = "production", GH_TOKEN = "ghp-ENV-0123" }',
        ["ghp-ENV-0123"],
      ],
      ["mcp_servers.x.env.JOB_FILTER=completed", []],
    ];
    for (const [pair, found] of cases) expect(pairCredentials(pair), pair).toEqual(found);
  });
});

describe("credentialsIn", () => {
  it("judges each entry of a table of variables or headers by its own name", () => {
    const server = {
      command: "docs-server",
      env: { NODE_ENV: "production", PROJECT_DIR: "/home/me/project", GITHUB_TOKEN: "ghp-0123456" },
      http_headers: { Accept: "application/json", "X-Api-Key": "hdr-key-0123" },
    };
    expect(credentialsIn(["mcp_servers", "docs"], server)).toEqual(["ghp-0123456", "hdr-key-0123"]);
    expect(credentialsIn(["mcp_servers", "docs", "env"], { JOB_FILTER: "completed" })).toEqual([]);
    // An entry that reads as an authorization is one, whatever its key; words are none.
    expect(
      credentialsIn(["mcp_servers", "docs", "http_headers"], { "X-Upstream": "Bearer up-0123456" }),
    ).toEqual(["Bearer up-0123456", "up-0123456"]);
    expect(
      credentialsIn(["mcp_servers", "docs", "env"], { OUTPUT_STYLE: "basic markdown" }),
    ).toEqual([]);
    // The variables of the commands the runtime runs are such a table.
    expect(
      credentialsIn(["shell_environment_policy"], { set: { UPSTREAM: "Bearer sh-0123456" } }),
    ).toEqual(["Bearer sh-0123456", "sh-0123456"]);
    expect(credentialsIn(["mcp_servers", "docs", "env", "API_TOKEN"], "tok-0123456")).toEqual([
      "tok-0123456",
    ]);
    // A project's path or a server's, provider's or profile's name is the user's choice, no
    // credential's name, whatever it ends with.
    for (const table of ["projects", "mcp_servers", "model_providers", "profiles"]) {
      expect(credentialsIn([table, "/home/me/src/tiktoken", "trust_level"], "untrusted")).toEqual(
        [],
      );
      expect(credentialsIn([table], { "my-secret": { args: ["--mode", "untrusted"] } })).toEqual(
        [],
      );
    }
    expect(pairCredentials('profiles.api_key.model="gpt-x-large"')).toEqual([]);
    // Nor a quoted name's dots: "docs.auth" is one name, not `auth` under `docs`.
    expect(
      pairCredentials(
        'mcp_servers={ "docs.auth" = { command = "node", env = { NODE_ENV = "production" } } }',
      ),
    ).toEqual([]);
    expect(
      pairCredentials('mcp_servers={ "docs.auth" = { bearer_token = "tok-0123456789" } }'),
    ).toEqual(["tok-0123456789"]);
    // Its fields are still judged by their names.
    expect(credentialsIn(["mcp_servers", "auth-token"], { bearer_token: "tok-0123456" })).toEqual([
      "tok-0123456",
    ]);
    // Under a credential's name, every value is one.
    expect(credentialsIn(["auth_token", "env"], { FOO: "value-0123456" })).toEqual([
      "value-0123456",
    ]);
  });

  it("takes no variable's name or program's path for a credential, but a credential put there", () => {
    const provider = {
      env_key: "GATEWAY_API_KEY",
      env_http_headers: { "X-Org": "GATEWAY_ORG_ID" },
      auth: {
        command: "/usr/local/bin/node",
        args: ["print-token.js", "--token", "tok-abcdef-0123"],
        cwd: "/home/me/project",
      },
    };
    // Its args may carry one (a word under 8 characters is never redacted).
    expect(credentialsIn(["model_providers", "gw"], provider)).toEqual([
      "print-token.js",
      "tok-abcdef-0123",
    ]);
    expect(credentialsIn(["model_providers", "gw", "env_key"], "GATEWAY_API_KEY")).toEqual([]);
    expect(credentialsIn(["model_providers", "gw", "auth", "cwd"], "/home/me/project")).toEqual([]);
    // The key itself, where its variable's name belongs, is still one.
    expect(credentialsIn(["model_providers", "gw", "env_key"], "sk-proj-abc0123")).toEqual([
      "sk-proj-abc0123",
    ]);
    // The same as --config pairs.
    expect(pairCredentials("model_providers.gw.env_key=GATEWAY_API_KEY")).toEqual([]);
    expect(pairCredentials('model_providers.gw.env_key="sk-proj-abc0123"')).toEqual([
      "sk-proj-abc0123",
    ]);
    expect(
      pairCredentials(
        'model_providers.gw={ env_key = "GATEWAY_API_KEY", env_http_headers = { X-Org = "GATEWAY_ORG_ID" }, ' +
          'auth = { command = "/usr/local/bin/node", args = ["--token", "tok-abcdef-0123"], cwd = "/home/me/project" } }',
      ),
    ).toEqual(["tok-abcdef-0123"]);
  });

  it("finds a header's token in every form, as a config object's value", () => {
    const basic = Buffer.from("gateway:basic-pw-0123").toString("base64");
    const found = credentialsIn(["model_providers"], {
      gw: {
        http_headers: {
          Authorization: "Bearer gw-token-0123456",
          "X-Basic-Auth": `Basic ${basic}`,
        },
        env_http_headers: { Cookie: "session=cookie-value-0123" },
      },
    });
    for (const form of [
      "Bearer gw-token-0123456",
      "gw-token-0123456",
      "gateway:basic-pw-0123",
      "basic-pw-0123",
      "session=cookie-value-0123",
      "cookie-value-0123",
    ]) {
      expect(found).toContain(form);
    }
    // A value that is no header's keeps its words: only the whole value is a secret.
    expect(
      credentialsIn(["mcp_servers", "docs", "env"], { DOCS_TOKEN: "--root /home/me/project" }),
    ).toEqual(["--root /home/me/project"]);
    expect(pairCredentials("mcp_servers.d.env.ARGS_TOKEN=--root /home/me/project")).toEqual([
      "--root /home/me/project",
    ]);
    // A quoted key names its header as the bare one does.
    expect(pairCredentials('p.http_headers."Cookie"=sid=cookie-value-0123; lang=en')).toContain(
      "cookie-value-0123",
    );
    expect(credentialsIn(["http_headers", "Authorization"], "Bearer key-path-token-0123")).toEqual([
      "Bearer key-path-token-0123",
      "key-path-token-0123",
    ]);
  });
});

describe("launchFor's secrets", () => {
  const inherited = "SDK_TEST_INHERITED_TOKEN";
  afterEach(() => {
    delete process.env[inherited];
  });

  it("come from apiKey, inline tables, launchArgs, baseUrl and URLs in env, not the inherited environment", () => {
    process.env[inherited] = "inherited-token-0123";
    const { secrets } = launchFor({
      codexBin: BIN,
      apiKey: "sk-api-key-0123456789",
      baseUrl: "https://user:base-url-password@proxy/v1",
      env: {
        HTTPS_PROXY: "http://u:proxy-password-1@proxy:3128?key=query-key-0123",
        CODEX_HOME: "/tmp/codex-home",
        NODE_ENV: "production",
        JOB_TOKEN: "12345678901",
      },
      configOverrides: [
        'model_providers.c={ name = "c", experimental_bearer_token = "sk-TABLE-0123" }',
      ],
    });
    for (const secret of [
      "sk-api-key-0123456789",
      "sk-TABLE-0123",
      "base-url-password",
      "query-key-0123",
      "proxy-password-1",
    ]) {
      expect(secrets).toContain(secret);
    }
    for (const value of ["/tmp/codex-home", "production", "12345678901", "inherited-token-0123"]) {
      expect(secrets).not.toContain(value);
    }
    const fromArgs = launchFor({
      launchArgs: [
        "codex",
        "-c",
        'x.token="sk-ARGS-0123456"',
        '--config=y.api_key="sk-ARGS-9876543"',
        // The short option with its value written on, as the runtime takes it too.
        '-cz.bearer_token="sk-ARGS-5555555"',
        '-c=w.http_headers.X-Api-Key="tenant-ARGS-0123"',
      ],
      inheritEnv: false,
    }).secrets;
    expect(fromArgs).toEqual([
      "sk-ARGS-0123456",
      "sk-ARGS-9876543",
      "sk-ARGS-5555555",
      "tenant-ARGS-0123",
    ]);
  });

  it("come from the runtime's own login variables when inherited, and not when the child inherits nothing", () => {
    process.env[inherited] = "inherited-token-0123";
    const names = ["OPENAI_API_KEY", "CODEX_API_KEY", "CODEX_ACCESS_TOKEN"] as const;
    const saved = Object.fromEntries(names.map((name) => [name, process.env[name]]));
    process.env.OPENAI_API_KEY = "sk-inherited-openai-0123";
    process.env.CODEX_API_KEY = "sk-inherited-codex-0123";
    delete process.env.CODEX_ACCESS_TOKEN;
    try {
      expect(launchFor({ codexBin: BIN }).secrets).toEqual([
        "sk-inherited-openai-0123",
        "sk-inherited-codex-0123",
      ]);
      expect(launchFor({ launchArgs: ["codex"] }).secrets).toContain("sk-inherited-openai-0123");
      expect(launchFor({ codexBin: BIN, inheritEnv: false }).secrets).toEqual([]);
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});

describe("paramsCredentials", () => {
  it("reads logins, config writes, thread config and a command's environment", () => {
    expect(paramsCredentials("account/login/start", { type: "apiKey", apiKey: "sk-1" })).toEqual([
      "sk-1",
    ]);
    expect(
      paramsCredentials("config/batchWrite", {
        edits: [{ keyPath: "mcp_servers.a.env", value: { GH_TOKEN: "ghp-0123456789" } }],
      }),
    ).toEqual(["ghp-0123456789"]);
    expect(
      paramsCredentials("thread/start", {
        config: { "model_providers.x.bearer_token": "sk-THREAD-01" },
      }),
    ).toEqual(["sk-THREAD-01"]);
    expect(
      paramsCredentials("config/value/write", {
        keyPath: "mcp_servers.probe",
        value: { url: "https://u:mcp-PASSWORD-01@host/mcp" },
      }),
    ).toContain("mcp-PASSWORD-01");
    expect(envCredentials({ GH_TOKEN: "ghp-EXEC-0123", PATH: "/usr/bin:/bin/xyz" })).toEqual([
      "ghp-EXEC-0123",
    ]);
    expect(paramsCredentials("turn/start", { input: [] })).toEqual([]);
  });

  it("asks the lookup of variables for those a config or a gateway names as holding a credential", () => {
    const asked: string[][] = [];
    const variables = (names: readonly string[]) => {
      asked.push([...names]);
      return names.map((name) => `value-of-${name}`);
    };
    const gateway = (envKey: string) => ({
      settings: { type: "customGateway", baseUrl: "https://gw.example/v1", envKey },
    });
    expect(paramsCredentials("modelProvider/config/write", gateway("GW_KEY"), variables)).toEqual([
      "value-of-GW_KEY",
    ]);
    // A key put in the variable's name's place is the key.
    expect(
      paramsCredentials("modelProvider/config/write", gateway("sk-put-in-place-0123"), variables),
    ).toEqual(["sk-put-in-place-0123"]);
    expect(
      paramsCredentials(
        "thread/start",
        { config: { "model_providers.x.env_http_headers": { "X-Key": "HEADER_VAR" } } },
        variables,
      ),
    ).toEqual(["value-of-HEADER_VAR"]);
    expect(asked).toEqual([["GW_KEY"], ["HEADER_VAR"]]);
  });

  it("reads an AWS key login, an environment's token and URL, a gateway's URL and a process's env", () => {
    expect(
      paramsCredentials("account/login/start", {
        type: "amazonBedrockAccessKeys",
        accessKeyId: "AKIA0123",
        secretAccessKey: "aws-SECRET-0123456789",
        sessionToken: "aws-SESSION-0123456789",
        region: "us-east-1",
      }),
    ).toEqual(["aws-SECRET-0123456789", "aws-SESSION-0123456789"]);
    expect(
      paramsCredentials("environment/add", {
        environmentId: "e",
        execServerUrl: "wss://user:url-PASSWORD-0123@exec.example/",
        authBearerToken: "bearer-ENV-0123456789",
      }),
    ).toEqual(expect.arrayContaining(["bearer-ENV-0123456789", "url-PASSWORD-0123"]));
    expect(
      paramsCredentials("modelProvider/config/write", {
        settings: { type: "customGateway", baseUrl: "https://u:gw-PASSWORD-0123@gw.example/v1" },
      }),
    ).toEqual(expect.arrayContaining(["gw-PASSWORD-0123"]));
    expect(
      paramsCredentials("process/spawn", { command: ["ls"], env: { GH_TOKEN: "ghp-PROC-0123" } }),
    ).toEqual(["ghp-PROC-0123"]);
  });

  it("reads the URLs of a marketplace's source, a thread's git origin and an MCP resource", () => {
    const token = "ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    for (const source of [
      `https://x-access-token:${token}@git.example/org/market.git`,
      `https://${token}@git.example/org/market.git`,
      `https://git.example/org/market.git?token=${token}`,
    ]) {
      expect(paramsCredentials("marketplace/add", { source })).toContain(token);
    }
    expect(
      paramsCredentials("thread/metadata/update", {
        threadId: "t",
        gitInfo: { originUrl: `https://u:${token}@git.example/org/repo.git` },
      }),
    ).toContain(token);
    expect(
      paramsCredentials("mcpServer/resource/read", {
        server: "s",
        uri: `https://u:${token}@files.example/doc`,
      }),
    ).toContain(token);
    expect(paramsCredentials("marketplace/add", { source: "https://git.example/x.git" })).toEqual(
      [],
    );
  });
});

describe("Secrets holds", () => {
  it("redacts a secret until as many removeAll calls as addAll calls name it", () => {
    const secrets = new Secrets();
    const token = "ghp-JOB-TOKEN-0123456789";
    const line = `{"message":"denied for ${token}"}`;
    secrets.addAll([token]);
    secrets.addAll([token, "too-sh"]);
    secrets.removeAll([token, "too-sh", "never-added-0123"]);
    expect(secrets.text(line)).toBe('{"message":"denied for [redacted]"}');
    secrets.removeAll([token]);
    expect(secrets.text(line)).toBe(line);
    expect(secrets.empty).toBe(true);
    // Another secret still held stays redacted, in every form.
    const key = "sk-proj-KEPT/0123456789";
    secrets.addAll([key, token]);
    secrets.removeAll([token]);
    expect(secrets.text(`${token} ${key} ${JSON.stringify(key)} ${key.replace("/", "\\/")}`)).toBe(
      `${token} [redacted] "[redacted]" [redacted]`,
    );
  });

  it("holds a secret with white space at its ends without it too, unless that is a number or a date", () => {
    const secrets = new Secrets();
    const key = "sk-from-a-file-0123";
    secrets.addAll([`${key}\n`, " 20240131\n", "2024-01-31T10:00:00Z "]);
    const line = `{"text":"key ${key} on 20240131 at 2024-01-31T10:00:00Z"}`;
    expect(secrets.text(line)).toBe(
      '{"text":"key [redacted] on 20240131 at 2024-01-31T10:00:00Z"}',
    );
    // Let go as it was held: both forms.
    secrets.removeAll([`${key}\n`]);
    expect(secrets.text(line)).toBe(line);
  });
});

describe("Secrets.hold", () => {
  it("keeps one token per slot, and stderr redacted of the ones let go", () => {
    const secrets = new Secrets();
    const tokens = Array.from({ length: 50 }, (_, i) => `chatgpt-token-${i}-0123456789`);
    for (const token of tokens) secrets.hold("chatgpt", token);
    const line = tokens.join(" ");
    // Only the last is searched for in what the server sends.
    expect(secrets.text(line)).toBe([...tokens.slice(0, -1), "[redacted]"].join(" "));
    // What stderr wrote while each was held is still redacted.
    expect(secrets.stderrText(line)).toBe(tokens.map(() => "[redacted]").join(" "));
    // A token held elsewhere too stays held when its slot lets it go.
    secrets.add("shared-token-0123456789");
    secrets.hold("chatgpt", "shared-token-0123456789");
    secrets.hold("chatgpt", "next-token-0123456789");
    expect(secrets.text("shared-token-0123456789")).toBe("[redacted]");
  });

  it("keeps, with a token that may be refused, what was in use before, until the next", () => {
    const secrets = new Secrets();
    const [first, maybe, refreshed, next] = ["first", "maybe", "refreshed", "next"].map(
      (name) => `chatgpt-${name}-token-0123456789`,
    );
    const shown = () => secrets.text([first, maybe, refreshed, next].join(" ")).split(" ");
    secrets.hold("chatgpt", first!);
    // Given up on once sent: the server may have taken it.
    secrets.holdMaybe("chatgpt", maybe!);
    // A refresh the server may refuse, going on with either.
    secrets.holdKeeping("chatgpt", refreshed!);
    expect(shown()).toEqual(["[redacted]", "[redacted]", "[redacted]", next]);
    // The next refresh lets go of what the last one kept, keeping the one it replaces.
    secrets.holdKeeping("chatgpt", next!);
    expect(shown()).toEqual([first, maybe, "[redacted]", "[redacted]"]);
    // A token the server took lets go of all before it.
    secrets.hold("chatgpt", first!);
    expect(shown()).toEqual(["[redacted]", maybe, refreshed, next]);
  });

  it("redacts from stderr a command's secret after its run, and not from what the server sends", () => {
    const secrets = new Secrets();
    const token = "ghp-RUN-TOKEN-0123456789";
    secrets.addAll([token]);
    secrets.removeAll([token]);
    const log = `DEBUG exec env: Some({"GH_TOKEN": Some("${token}")})`;
    expect(secrets.text(log)).toBe(log);
    expect(secrets.stderrText(log)).toBe('DEBUG exec env: Some({"GH_TOKEN": Some("[redacted]")})');
    // A secret's start cut short is redacted there too, a held one's and a released one's.
    secrets.add("sk-proj-Zq81mXv0RtY3uKp7LwAbCd");
    expect(secrets.stderrText(`bad key sk-proj-Zq81mXv0RtY3... and ${token}.`)).toBe(
      "bad key [redacted]... and [redacted].",
    );
    expect(secrets.stderrText(`said ${token.slice(0, 14)}...`)).toBe("said [redacted]...");
  });
});

describe("Secrets.textBefore", () => {
  it("shows what comes before a point, a secret that starts there replaced whole", () => {
    const secrets = new Secrets();
    const token = "cap_Q7w9E1r3T5y7U9i1O3p5A7s9D1f3G5h7J9k1";
    secrets.add(token);
    // The first copy shrinks when redacted; the second, which starts before the point, goes whole.
    const text = `${token} ${"y".repeat(30)}${token} tail`;
    const shown = secrets.textBefore(text, 80);
    expect(shown).toBe(`[redacted] ${"y".repeat(30)}[redacted]`);
    expect(secrets.textBefore(text, 30)).toBe("[redacted]");
    expect(secrets.textBefore("plain text", 5)).toBe("plain");
    // A start of it cut short, before a copy replaced whole, is redacted too.
    const cut = `said ${token.slice(0, 24)}... then ${token}`;
    expect(secrets.textBefore(cut, cut.length)).toBe("said [redacted]... then [redacted]");
  });
});

describe("Secrets.error", () => {
  it("finds a secret in hidden and symbol-keyed properties, and in an enumerable getter", () => {
    const secrets = new Secrets();
    const key = "sk-proj-HIDDEN-0123456789";
    secrets.add(key);
    const aggregate = new AggregateError([new Error(`401 for ${key}`)], "several failed");
    const symbolic = Object.assign(new Error("failed"), { [Symbol("headers")]: { auth: key } });
    const getter = Object.defineProperty(new Error("failed"), "config", {
      enumerable: true,
      get: () => ({ key }),
    });
    for (const error of [aggregate, symbolic, getter]) {
      const clean = secrets.error(error);
      expect(clean).not.toBe(error);
      expect(inspect(clean, { depth: 10, showHidden: true })).not.toContain(key);
      expect(JSON.stringify(clean)).not.toContain(key);
    }
    const plain = new Error("nothing secret");
    expect(secrets.error(plain)).toBe(plain);
  });

  it("finds a secret in a Map's or a Set's entries, and in what an instance shows (a URL)", () => {
    const secrets = new Secrets();
    const key = "sk-proj-ENTRIES-0123456789";
    secrets.add(key);
    const held = [
      { headers: new Map([["authorization", `Bearer ${key}`]]) },
      { tried: new Set([key]) },
      { url: new URL(`https://user:${key}@proxy.example/v1`) },
    ];
    for (const fields of held) {
      const error = Object.assign(new Error("request failed"), fields);
      const clean = secrets.error(error);
      expect(clean).not.toBe(error);
      expect(inspect(clean, { depth: 10, showHidden: true })).not.toContain(key);
    }
    const harmless = Object.assign(new Error("fine"), { at: new URL("https://example.com/") });
    expect(secrets.error(harmless)).toBe(harmless);
  });

  it("rebuilds a start's timeout with its stderr tail redacted, keeping the class and fields", () => {
    const secrets = new Secrets();
    const key = "sk-proj-TIMEOUT-0123456789";
    secrets.add(key);
    const error = new RequestTimeoutError("initialize", 500, { stderrTail: `bad key ${key}` });
    const clean = secrets.error(error);
    expect(clean).toBeInstanceOf(RequestTimeoutError);
    expect([clean.method, clean.timeoutMs, clean.stderrTail]).toEqual([
      "initialize",
      500,
      "bad key [redacted]",
    ]);
    expect(clean.message).toBe(
      "Request initialize timed out after 500 ms\nstderr tail:\nbad key [redacted]",
    );
    // What an unsent request waited for is kept too.
    const unsent = new RequestTimeoutError(`thread/${key}`, 50, { waitedFor: "the thread" });
    const rebuilt = secrets.error(unsent);
    expect([rebuilt.method, rebuilt.waitedFor, rebuilt.message]).toEqual([
      "thread/[redacted]",
      "the thread",
      "Request thread/[redacted] timed out after 50 ms waiting for the thread; it was not sent",
    ]);
  });
});

describe("requests that carry credentials", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it("redact them from what a server quotes back, whichever method sent them", async () => {
    // Every request fails with an error that quotes its params.
    const echo = (request: ClientLine) => ({
      error: { code: -32600, message: `bad params: ${JSON.stringify(request.message?.params)}` },
    });
    const s = await startStandin({
      defaultReply: { error: { code: -32601, message: "no" } },
      replies: {
        "thread/start": echo,
        "command/exec": echo,
        "account/login/start": echo,
        "config/batchWrite": echo,
      },
    });
    cleanups.push(() => s.close());
    const codex = await Codex.start({ launchArgs: s.launchArgs });
    cleanups.push(() => codex.close());
    const failures = [
      codex.threadStart({
        config: { "model_providers.x.experimental_bearer_token": "sk-THREAD-0123" },
      }),
      codex.exec(["true"], { env: { GH_TOKEN: "ghp-EXEC-0123456" } }).then((c) => c.wait()),
      codex.request("account/login/start", { type: "apiKey", apiKey: "sk-RAW-LOGIN-0123" }),
      codex.request("config/batchWrite", {
        edits: [
          {
            keyPath: "mcp_servers.a.env",
            value: { GH_TOKEN: "ghp-RAW-CONFIG-01" },
            mergeStrategy: "replace",
          },
        ],
      }),
    ];
    // Each outcome taken as it comes: one awaited after another would leave those that fail
    // first rejected unhandled meanwhile.
    const errors = failures.map((failure) =>
      failure.then(
        () => new Error("resolved"),
        (e: unknown) => e as Error,
      ),
    );
    for (const err of await Promise.all(errors)) {
      expect(err.message).toContain("bad params");
      expect(err.message).toContain("[redacted]");
      for (const secret of [
        "sk-THREAD-0123",
        "ghp-EXEC-0123456",
        "sk-RAW-LOGIN-0123",
        "ghp-RAW-CONFIG-01",
      ]) {
        expect(inspect(err, { depth: 10 })).not.toContain(secret);
      }
    }
  });
});

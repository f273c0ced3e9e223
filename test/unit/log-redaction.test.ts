import { randomBytes } from "node:crypto";
import { formatWithOptions, inspect } from "node:util";
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { trapProcessFaults } from "../support/fault/guards.js";
import { Log, thrownMessage, type Logger } from "../../src/internal/logger.js";
import { paramsCredentials, REDACTED, Secrets } from "../../src/internal/redact.js";
import { JsonRpcError } from "../../src/errors.js";
import { Connection } from "../../src/rpc/connection.js";
import { FakeTransport } from "../support/fake-transport.js";

const KEY = "sk-test-0123456789abcdef";

function secrets(): Secrets {
  const s = new Secrets();
  s.add(KEY);
  return s;
}

function capture(): { logger: Logger; calls: unknown[][] } {
  const calls: unknown[][] = [];
  const keep = (...args: unknown[]): void => void calls.push(args);
  return { logger: { debug: keep, info: keep, warn: keep, error: keep }, calls };
}

describe("Secrets.value", () => {
  it("reads an object met many times once, and copies it once", () => {
    // Each level refers to the next twice: walked path by path, 2^depth visits.
    let reads = 0;
    let node: object = { leaf: `key ${KEY}` };
    const depth = 20;
    for (let i = 0; i < depth; i++) {
      const next = node;
      node = {
        get left() {
          reads++;
          return next;
        },
        get right() {
          reads++;
          return next;
        },
      };
    }
    const out = secrets().value(node) as { left: { leaf?: string }; right: unknown };
    expect(reads).toBe(2 * depth);
    expect(out.left).toBe(out.right);
    expect(JSON.stringify(secrets().value(node))).not.toContain(KEY);
  });

  it("copies a cycle as a cycle, redacted", () => {
    const ctx: Record<string, unknown> = { reason: `denied for ${KEY}` };
    ctx.parent = ctx;
    ctx.self = ctx;
    const out = secrets().value(ctx) as Record<string, unknown>;
    expect(out.reason).toBe(`denied for ${REDACTED}`);
    expect(out.parent).toBe(out);
    expect(out.self).toBe(out);
  });

  it("stops copying after a bounded number of objects", () => {
    const wide = Array.from({ length: 20_000 }, () => ({ key: KEY }));
    const out = secrets().value(wide) as unknown[];
    expect(out).toHaveLength(20_000);
    expect(out[0]).toEqual({ key: REDACTED });
    expect(out.at(-1)).toBe(REDACTED);
    expect(JSON.stringify(out)).not.toContain(KEY);
  });
});

describe("Log", () => {
  it("redacts a key a colour sequence split, once made plain, and names a dropped method plain", () => {
    const { logger, calls } = capture();
    new Log(logger, "debug", secrets()).warn(
      `server said: ${KEY.slice(0, 12)}\u001b[1m${KEY.slice(12)}\u001b[0m`,
    );
    expect(String(calls[0]![0])).not.toContain(KEY);
    // A line dropped as malformed: its detail, an error console.warn prints whole, says so plain.
    const printed: string[] = [];
    const keep = (...args: unknown[]) => void printed.push(formatWithOptions({}, ...args));
    const transport = new FakeTransport();
    new Connection(transport, {
      log: new Log({ debug: keep, info: keep, warn: keep, error: keep }, "warn"),
    });
    transport.deliver({ method: "x\u001b]52;c;ZWNobw==\u0007\u001b[2J", params: [1] });
    expect(printed).toHaveLength(1);
    expect(printed[0]).toContain(
      "ProtocolError: x ]52;c;ZWNobw==  with params that are not an object",
    );
    expect([printed[0]!.includes("\u001b"), printed[0]!.includes("\u0007")]).toEqual([
      false,
      false,
    ]);
  });

  it("writes its lines plain, line breaks kept: a method the server named runs nothing", () => {
    const { logger, calls } = capture();
    new Log(logger, "debug").warn("answered \u001b]0;pwned\u0007\rX with -32601\nnext");
    expect(calls.map((c) => c[0])).toEqual([
      "codex-app-server-sdk: answered  ]0;pwned X with -32601\nnext",
    ]);
  });

  it("ignores a logger that throws, and a malformed line from the server still throws nowhere", async () => {
    const throwing = () => {
      throw new Error("log sink down");
    };
    const sink = { debug: throwing, info: throwing, warn: throwing, error: throwing };
    const log = new Log(sink, "debug");
    expect(() => log.warn("a warning")).not.toThrow();
    expect(() => log.error("an error", new Error("detail"))).not.toThrow();
    const transport = new FakeTransport();
    const connection = new Connection(transport, { log });
    const call = connection.request("model/list", {});
    const sent = await transport.waitForSent(1);
    // Dropped and logged, to a logger that throws: nothing escapes the line's callback.
    expect(() => transport.line("not json at all")).not.toThrow();
    transport.deliver({ id: sent.id, result: { data: [] } });
    await expect(call).resolves.toEqual({ data: [] });
  });

  it("still reports, and never throws, when its detail cannot be read", () => {
    const { logger, calls } = capture();
    const log = new Log(logger, "debug", secrets());
    const getter = {
      get detail(): string {
        throw new Error("detail unavailable");
      },
    };
    const badMessage = new Error("x");
    Object.defineProperty(badMessage, "message", {
      get() {
        throw new Error("getter");
      },
    });
    const trap = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error("trap");
        },
      },
    );
    for (const detail of [getter, badMessage, trap]) {
      expect(() => log.error(`listener threw ${KEY}`, detail)).not.toThrow();
    }
    expect(calls).toEqual([
      [`codex-app-server-sdk: listener threw ${REDACTED}`, REDACTED],
      [`codex-app-server-sdk: listener threw ${REDACTED}`, REDACTED],
      [`codex-app-server-sdk: listener threw ${REDACTED}`, REDACTED],
    ]);
  });

  it("leaves no rejection of an async logger unhandled", async () => {
    const trap = trapProcessFaults();
    try {
      let calls = 0;
      const failing = async () => {
        calls++;
        throw new Error("log sink down");
      };
      const log = new Log(
        { debug: failing, info: failing, warn: failing, error: failing },
        "debug",
      );
      log.warn("a warning");
      log.error("an error", new Error("detail"));
      expect(calls).toBe(2);
      // Of another realm (a vm context, as some test environments run code in), which
      // `instanceof Promise` does not know.
      const foreign = vm.runInNewContext("async () => { throw new Error('log sink down') }") as (
        ...args: unknown[]
      ) => Promise<void>;
      const foreignLog = new Log({ debug: foreign, info: foreign, warn: foreign, error: foreign });
      foreignLog.error("an error");
      await trap.expectNone();
    } finally {
      trap.dispose();
    }
  });

  it("redacts the start of a key that an error handed to it cuts short, as in its message", () => {
    const { logger, calls } = capture();
    const log = new Log(logger, "debug", secrets());
    const said = `upstream refused the key ${KEY.slice(0, 16)}...`;
    log.warn(said, new Error(said));
    log.warn("a listener threw", { cause: new Error(said) });
    const shown = inspect(calls, { depth: Infinity, showHidden: true });
    expect(shown).not.toContain(KEY.slice(0, 16));
    expect(calls[0]![0]).toContain(`upstream refused the key ${REDACTED}...`);
    expect((calls[0]![1] as Error).message).toBe(`upstream refused the key ${REDACTED}...`);
    const cause = (calls[1]![1] as { cause: Error }).cause;
    expect(cause.message).toBe(`upstream refused the key ${REDACTED}...`);
  });

  it("redacts a start cut right after a dot of its own, and one after a stray backslash", () => {
    // Cut after a dot of its own, at half its length: four dots in a row.
    const token = "eyJhbGc.iOiJIUzI";
    const held = new Secrets();
    held.addAll([token, "#pass-word-2024!"]);
    expect(held.text(`refused ${token.slice(0, 8)}...`)).toBe(`refused ${REDACTED}...`);
    // A secret that begins with a sign, after a backslash of a Windows path.
    expect(held.text("at C:\\#pass-word-2...")).toBe(`at C:${REDACTED}...`);
  });

  it("redacts a secret right after one that ends in a backslash, and a start cut after a run of them", () => {
    // A password may end in a backslash; a form that begins with a sign follows it.
    const ending = "pass\\word\\";
    const signed = "#sign-led-2024!";
    const slashed = "\\pass-word-2024!";
    const held = new Secrets();
    held.addAll([ending, signed, slashed, "retired-secret-0"]);
    held.removeAll(["retired-secret-0"]);
    const both = `${ending}${signed}`;
    const quoted = JSON.stringify(both).slice(1, -1);
    // The two overlap in the text (the backslash ending one may quote the sign beginning the
    // other): both are replaced, as one.
    for (const text of [both, quoted]) {
      expect(held.text(`[${text}]`)).toBe(`[${REDACTED}]`);
      // The second starts before the point.
      const point = text.indexOf("#") + 2;
      expect(held.textBefore(`[${text}]`, point)).toBe(`[${REDACTED}`);
      expect(held.stderrText(`[${text}]`)).toBe(`[${REDACTED}]`);
    }
    // A start cut short right after one, where the next secret begins with an ellipsis.
    const cut = new Secrets();
    cut.addAll(["pass\\word\\more-text", "\u2026secret-after-0"]);
    expect(cut.text("pass\\word\\\u2026secret-a...")).toBe(`${REDACTED}${REDACTED}...`);
    // A secret that begins with a backslash, cut short after a path's escaped one (`C:\\`).
    expect(held.text(`at C:\\\\${slashed.slice(0, 8)}...`)).toBe(`at C:${REDACTED}...`);
  });

  it("redacts a start cut after an ellipsis of the secret's own", () => {
    const held = new Secrets();
    held.addAll(["pass...word-2024", "mot\u2026de-passe-24"]);
    expect(held.text("refused pass...wor...")).toBe(`refused ${REDACTED}...`);
    expect(held.text("refused mot\u2026de-pa\u2026 at")).toBe(`refused ${REDACTED}\u2026 at`);
  });

  it("redacts what a detail's functions, symbols and own inspections show, and a JSON-RPC error's method", () => {
    const { logger, calls } = capture();
    const log = new Log(logger, "warn", secrets());
    class HttpError extends Error {
      readonly #auth = `Bearer ${KEY}`;
      [inspect.custom](): string {
        return `HttpError(${this.message}) auth=${this.#auth}`;
      }
    }
    class Holder {
      readonly #state = { auth: { key: KEY } };
      [inspect.custom](depth: number, options: object, ins: typeof inspect): string {
        return `Holder ${ins(this.#state, { ...options, depth })}`;
      }
    }
    const details: unknown[] = [
      Object.assign(new Error("handler failed"), {
        retry: Object.assign(() => undefined, { apiKey: KEY }),
      }),
      { tag: Symbol(KEY) },
      { request: { toJSON: () => ({ authorization: `Bearer ${KEY}` }) } },
      new HttpError("401"),
      Object.assign(new Error("failed"), { holder: new Holder() }),
      new JsonRpcError(-32000, `bad key ${KEY}`, undefined, { method: `x/${KEY}` }),
    ];
    for (const detail of details) log.warn("a listener threw", detail);
    expect(calls).toHaveLength(details.length);
    for (const [, detail] of calls) {
      const shown = `${inspect(detail, { depth: 4 })}\n${JSON.stringify(detail) ?? ""}`;
      expect(shown).not.toContain(KEY);
    }
    // What shows no secret is kept as it was.
    const plain = { tag: Symbol("tag"), run: function run() {} };
    log.warn("plain", plain);
    expect(calls.at(-1)![1]).toEqual({ tag: plain.tag, run: "[Function: run]" });
  });

  it("rebuilds an error whose message or name is no string, its secret redacted", () => {
    const { logger, calls } = capture();
    const log = new Log(logger, "warn", secrets());
    const err = Object.assign(new Error("x"), { message: 7, name: { odd: true }, key: KEY });
    log.warn("a listener threw", err);
    const detail = calls[0]![1] as Error;
    expect(detail).toBeInstanceOf(Error);
    expect(detail.name).toBe("Error");
    expect(inspect(detail)).not.toContain(KEY);
  });

  it("reports a detail that refers to itself at once, redacted", () => {
    const { logger, calls } = capture();
    const log = new Log(logger, "warn", secrets());
    const ctx: Record<string, unknown> = { reason: KEY };
    ctx.parent = ctx;
    ctx.self = ctx;
    log.warn("a listener threw", ctx);
    const detail = calls[0]![1] as Record<string, unknown>;
    expect(detail.reason).toBe(REDACTED);
    expect(detail.self).toBe(detail);
  });
});

describe("thrownMessage", () => {
  it("describes anything thrown without throwing", () => {
    const badToString = {
      toString(): string {
        throw new Error("nope");
      },
    };
    const badMessage = new Error("x");
    Object.defineProperty(badMessage, "message", {
      get() {
        throw new Error("getter");
      },
    });
    expect(thrownMessage(new Error("plain"))).toBe("plain");
    expect(thrownMessage({ message: "from an object" })).toBe("from an object");
    expect(thrownMessage("a string")).toBe("a string");
    expect(thrownMessage(undefined)).toBe("undefined");
    for (const odd of [Object.create(null) as object, badToString, badMessage]) {
      expect(thrownMessage(odd)).toBe("an error that cannot be read");
    }
  });

  it("shows a plain object's JSON, cut to its first 200 characters", () => {
    expect(thrownMessage({ status: 404, error: "no such city" })).toBe(
      '{"status":404,"error":"no such city"}',
    );
    const long = thrownMessage({ detail: "x".repeat(500) });
    expect(long).toBe(`{"detail":"${"x".repeat(189)}...`);
    // Redacted before it is cut: a secret across the cut shows no part of itself.
    const secret = "sk-handler-secret-0123456789abcdef";
    const crossing = { detail: "x".repeat(150), authorization: `Bearer ${secret}` };
    expect(thrownMessage(crossing)).toContain(secret.slice(0, 12));
    const own = new Secrets();
    own.add(secret);
    const redacted = thrownMessage(crossing, own);
    expect(redacted).not.toContain(secret.slice(0, 12));
    expect(redacted).toContain(`Bearer ${REDACTED}`);
    // A message or a value's text is redacted too.
    expect(thrownMessage(new Error(`refused ${secret}`), own)).toBe(`refused ${REDACTED}`);
    expect(thrownMessage(`refused ${secret}`, own)).toBe(`refused ${REDACTED}`);
    // JSON cannot write it: the value as a string.
    expect(thrownMessage({ n: 1n })).toBe("[object Object]");
    expect(thrownMessage(new (class Failure {})())).toBe("[object Object]");
  });
});

// Holds one more tenant's token in `secrets` as a thread's config hands it over (an MCP server's
// Authorization header: the header and the bare token), kept in `tokens`; returns the ms it took.
function addTenantTo(secrets: Secrets, tokens: string[]): number {
  const token = `tok_${randomBytes(27).toString("hex").slice(0, 36)}`;
  tokens.push(token);
  const headers = { Authorization: `Bearer ${token}` };
  const config = { mcp_servers: { crm: { url: "https://crm.example", http_headers: headers } } };
  const credentials = paramsCredentials("thread/start", { config });
  const t0 = performance.now();
  secrets.addAll(credentials);
  return performance.now() - t0;
}

describe("Secrets.text", () => {
  it("redacts many secrets, regular-expression characters and all, in one search a line", () => {
    const s = new Secrets();
    const many = Array.from({ length: 200 }, (_, i) => `token-${i}-${"x".repeat(i % 7)}-end`);
    const odd = "a+b(c)*[d]{2}$^|.?\\/z-9";
    s.addAll([...many, odd]);
    const line = JSON.stringify({ quoted: `${many[17]} and ${odd}`, last: many[199] });
    const out = s.text(line);
    for (const secret of [...many, odd]) expect(out).not.toContain(secret);
    expect(JSON.parse(out)).toEqual({ quoted: `${REDACTED} and ${REDACTED}`, last: REDACTED });
    // The longest form wins where one secret holds another.
    s.add("token-1-x");
    expect(s.text("token-1-x-end token-1-x")).toBe(`${REDACTED} ${REDACTED}`);
    expect(s.text("nothing here")).toBe("nothing here");
  });

  it("redacts a secret however often it was quoted, its / and = escaped or not", () => {
    const s = new Secrets();
    const key = "sk-live/7hG2kP9qZ/xW4mN8vB3=";
    s.add(key);
    const slashed = key.replaceAll("/", "\\/");
    const unicode = key.replaceAll("=", "\\u003d").replaceAll("/", "\\u002F");
    // A provider's body as PHP or Gson writes it, quoted in the runtime's message, in a line.
    for (const body of [key, slashed, unicode, JSON.stringify(slashed), JSON.stringify(unicode)]) {
      const line = JSON.stringify({ message: `unexpected status 401: {"detail":"${body}"}` });
      const out = s.text(line);
      expect(out, body).not.toMatch(/7hG2kP9qZ|xW4mN8vB3/);
      expect(JSON.parse(out)).toEqual({ message: expect.stringContaining(REDACTED) });
    }
    // A backslash in a secret is a run of them once quoted, or its `\u` escape.
    s.add("pass\\word-0123");
    expect(s.text(JSON.stringify(JSON.stringify("pass\\word-0123")))).toBe(`"\\"${REDACTED}\\""`);
    expect(s.text('{"m":"pass\\u005cword-0123 and pass\\\\u005Cword-0123"}')).toBe(
      `{"m":"${REDACTED} and ${REDACTED}"}`,
    );
  });

  it("redacts the start of a secret that a text cut short, before its ellipsis", () => {
    const s = new Secrets();
    const key = "sk-proj-Zq81mXv0RtY3uKp7LwAbCdEfGh012345";
    s.add(key);
    const body = `${"x".repeat(30)} ${key.slice(0, 26)}...`;
    expect(s.text(JSON.stringify({ message: body }))).toBe(
      JSON.stringify({ message: `${"x".repeat(30)} ${REDACTED}...` }),
    );
    expect(s.text(`ends ${key.slice(0, 21)}\u2026 here`)).toBe(`ends ${REDACTED}\u2026 here`);
    // The `…` as its JSON escape, from an encoder that writes ASCII alone.
    expect(s.text(`{"m":"ends ${key.slice(0, 21)}\\u2026 here"}`)).toBe(
      `{"m":"ends ${REDACTED}\\u2026 here"}`,
    );
    // Written escaped, as a provider's JSON quoted in the runtime's message has it.
    const slashed = "sk-live/7hG2kP9qZ/xW4mN8vB3Tt5Rr";
    s.add(slashed);
    const cut = `Invalid API key ${slashed.slice(0, 20).replaceAll("/", "\\/")}...`;
    expect(s.text(JSON.stringify({ message: cut }))).toBe(
      JSON.stringify({ message: `Invalid API key ${REDACTED}...` }),
    );
    // A backslash of its own, as written or quoted; a cut inside one of its escapes.
    const backslashed = "sk-live-7hG2kP9qZx\\W4mN8vB3uKp7LwS5nD2aF9gH4jC6";
    s.add(backslashed);
    const head = backslashed.slice(0, 30);
    expect(s.text(`said ${head}... then`)).toBe(`said ${REDACTED}... then`);
    expect(s.text(JSON.stringify({ m: `said ${head}...` }))).toBe(
      JSON.stringify({ m: `said ${REDACTED}...` }),
    );
    for (const unfinished of ["\\", "\\u00", "\\u002"]) {
      const cutInside = `${slashed.slice(0, 17).replaceAll("/", "\\/")}${unfinished}...`;
      expect(s.text(JSON.stringify({ m: cutInside })), unfinished).toBe(
        JSON.stringify({ m: `${REDACTED}...` }),
      );
    }
    // Less than half of it may be the prefix every such key shares, which ordinary text writes.
    const plain = "keys look like sk-proj-... and sk-proj-Zq81m... and so on...";
    expect(s.text(plain)).toBe(plain);
  });

  it("reads a long run of backslashes in linear time when a secret begins with a symbol", () => {
    const s = new Secrets();
    const secrets = ["!Tr0ub4dor&3-long", "-----BEGIN KEY-----\nMIIEvQ", "\\share\\key-0123"];
    s.addAll(secrets);
    // 200,000 backslashes, as JSON doubles a model's run of them: each start inside the run used
    // to scan the rest of it (seconds per line).
    const run = JSON.stringify({ text: "\\".repeat(100_000) });
    const t0 = performance.now();
    expect(s.text(run)).toBe(run);
    expect(s.text(`${run}...`)).toBe(`${run}...`);
    expect(performance.now() - t0).toBeLessThan(1_000);
    // Its forms are still found whole, quoted or not, the run before them taken with them.
    for (const secret of secrets) {
      for (const form of [secret, JSON.stringify(secret), JSON.stringify(JSON.stringify(secret))]) {
        expect(s.text(`a ${form} b`), form).not.toMatch(/Tr0ub4dor|MIIEvQ|key-0123/);
      }
    }
    expect(s.text('say \\\\\\"!Tr0ub4dor&3-long')).toBe(`say \\\\\\"${REDACTED}`);
    expect(s.text("say \\\\\\\\share\\\\key-0123")).toBe(`say ${REDACTED}`);
  });

  it("redacts a secret holding a newline or a tab, which JSON writes short", () => {
    const s = new Secrets();
    const pem = "-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0B\n-----END KEY-----\n";
    s.addAll([pem, "tab\tseparated-token"]);
    const line = JSON.stringify({ text: `key is ${pem} and tab\tseparated-token end` });
    expect(JSON.parse(s.text(line))).toEqual({ text: `key is ${REDACTED} and ${REDACTED} end` });
    expect(s.text(JSON.stringify(line))).not.toContain("MIIEvQIBADANBgkqhkiG9w0B");
  });

  it("finds a secret too long for a regular expression as literal text, everywhere", () => {
    // V8 refused the pattern of such a secret with an error quoting it ("Regular expression too
    // large", or a stack overflow for one of symbols).
    const long = `tok_${"Zq81xA".repeat(10_000)}`;
    const symbols = `-${"-+/".repeat(2_000)}end`;
    const s = new Secrets();
    s.addAll([long, symbols, KEY]);
    expect(s.empty).toBe(false);
    for (const secret of [long, symbols, KEY]) {
      for (const form of [secret, JSON.stringify(secret), JSON.stringify(JSON.stringify(secret))]) {
        expect(s.text(`a ${form} b`)).not.toMatch(/Zq81xAZq81xA|-\+\/-\+\/|0123456789abcdef/);
      }
    }
    expect(s.text(JSON.stringify({ a: long, b: KEY }))).toBe(
      JSON.stringify({ a: REDACTED, b: REDACTED }),
    );
    // The head of a line too long to hold: a long secret starting before its end goes whole.
    const head = s.textBefore(`x ${long} y ${"z".repeat(100)}`, 10);
    expect(head).toBe(`x ${REDACTED}`);
    expect(s.textBefore(`xy ${long}`, 2)).toBe("xy");
    // In errors (a start that fails closes with one) and in stderr, once let go too.
    const error = s.error(new Error(`bad token ${long}`));
    expect(error.message).toBe(`bad token ${REDACTED}`);
    // One holding a short secret goes whole: replaced first, it is not cut by the short one's.
    const holding = `${"Zq81xA".repeat(5_000)}${KEY}${"Bb72yW".repeat(5_000)}`;
    s.add(holding);
    expect(s.text(`a ${holding} b`)).toBe(`a ${REDACTED} b`);
    expect(s.text(JSON.stringify({ a: holding }))).toBe(JSON.stringify({ a: REDACTED }));
    s.removeAll([holding]);
    s.removeAll([long]);
    expect(s.text(`a ${long}`)).toBe(`a ${long}`);
    expect(s.stderrText(`env TOKEN=${long} and ${KEY}`)).toBe(
      `env TOKEN=${REDACTED} and ${REDACTED}`,
    );
  });

  it("keeps the pattern of many secrets small enough to compile at once, and finds them all", () => {
    // 800 secrets of 400 characters, 40 of them symbols: their one pattern took V8 about 20 s to
    // compile, on each change of the secrets held (and from 1,600 on it refused it, at its first
    // use, with an error quoting them).
    const many = Array.from(
      { length: 800 },
      (_, i) => `tok${i}-${"x".repeat(345)}${"-".repeat(40)}`,
    );
    const s = new Secrets();
    const t0 = performance.now();
    s.addAll(many);
    const line = JSON.stringify({ first: many[0], last: many[799], text: "ordinary ü" });
    expect(s.text(line)).toBe(
      JSON.stringify({ first: REDACTED, last: REDACTED, text: "ordinary ü" }),
    );
    expect(performance.now() - t0).toBeLessThan(5_000);
  });

  it("reads a line, and takes one more tenant's token, at a cost that does not leap with hundreds of tenants", () => {
    // A service giving each thread its own user's token (an MCP server's Authorization header,
    // held as written and as the bare token). One pattern of them all took V8 hundreds of times
    // as long per line past about a hundred tenants, and each thread start recompiled it whole.
    const s = new Secrets();
    const tokens: string[] = [];
    const addTenant = (): number => addTenantTo(s, tokens);
    const delta = "Here is the next part of the answer, as the model streams it. ".repeat(15);
    const line = JSON.stringify({ method: "item/agentMessage/delta", params: { delta } });
    // The least of five batches, each line read as the connection reads it.
    const perLine = (): number => {
      for (let i = 0; i < 50; i++) s.text(line);
      const batches: number[] = [];
      for (let batch = 0; batch < 5; batch++) {
        const t0 = performance.now();
        for (let i = 0; i < 100; i++) s.text(line);
        batches.push((performance.now() - t0) / 100);
      }
      return Math.min(...batches);
    };
    const perAdd = (): number => {
      const adds = Array.from({ length: 7 }, addTenant).sort((a, b) => a - b);
      return adds[3]!;
    };
    while (tokens.length < 25) addTenant();
    const [lineFew, addFew] = [perLine(), perAdd()];
    while (tokens.length < 400) addTenant();
    const [lineMany, addMany] = [perLine(), perAdd()];
    const shown = JSON.stringify({ lineFew, lineMany, addFew, addMany });
    // Sixteen times the tenants: about linear at worst (the old pattern: 300 to 1,000 times).
    expect(lineMany / lineFew, shown).toBeLessThan(60);
    // Only the part of the secrets the new one joins is compiled again (the old: 15 times).
    expect(addMany / addFew, shown).toBeLessThan(6);
    // Every one is still found, as written and quoted, beside its neighbours of one prefix.
    const headers = tokens.map((token, i) => (i % 2 === 0 ? `Bearer ${token}` : token));
    expect(s.text(JSON.stringify(headers))).toBe(JSON.stringify(headers.map(() => REDACTED)));
    expect(s.text(JSON.stringify(JSON.stringify(headers.slice(0, 9))))).toBe(
      JSON.stringify(JSON.stringify(headers.slice(0, 9).map(() => REDACTED))),
    );
  });

  it("reads a line of many matches in time that grows with them, its patterns searched about once", () => {
    // Several patterns each searched again from every match to the end of the line made a line
    // of many matches cost their number times its length.
    const s = new Secrets();
    const tokens: string[] = [];
    while (tokens.length < 200) addTenantTo(s, tokens);
    const timed = (text: string): number => {
      const t0 = performance.now();
      s.text(text);
      return performance.now() - t0;
    };
    const whole = (n: number) => `Authorization: Bearer ${tokens[0]}\n`.repeat(n);
    // More than half of a token, many times, before an ellipsis: starts cut short are looked for.
    const cut = (n: number) => `${`${tokens[0]!.slice(0, 30)} `.repeat(n)}...`;
    // The least of three runs, as garbage collection may fall in any one.
    const least = (text: string): number => Math.min(timed(text), timed(text), timed(text));
    for (const [line, few] of [
      [whole, 4_000],
      [cut, 3_000],
    ] as const) {
      timed(line(100));
      const short = least(line(few));
      const long = least(line(4 * few));
      // Four times the matches: about four times the time (it was sixteen or more).
      expect(long / short, JSON.stringify({ short, long })).toBeLessThan(10);
    }
    expect(s.text(whole(3))).toBe(`Authorization: ${REDACTED}\n`.repeat(3));
  });

  it("reads a long run of backslashes in time that grows with it, whatever run a secret holds", () => {
    // A pattern whose quantifiers could share a run of backslashes (each backslash of a secret
    // its own, and those quoting the character after them) tried every way of splitting a run:
    // a line of two thousand backslashes took seconds, and a secret of four backslashes in a row
    // took minutes for a few thousand.
    const held = ['pw:a\\\\"b-41xq', "pw:a\\\\\\\\b-41xq", 'pw:a\\\\\\\\"b-41xq', "pw:a\\/b-41xq"];
    const fills = [
      (n: number) => "\\".repeat(n),
      (n: number) => "\\u005c".repeat(n / 6),
      (n: number) => "\\\\\\u005C\\".repeat(n / 10),
    ];
    const timed = (s: Secrets, text: string): number => {
      const t0 = performance.now();
      s.text(text);
      return performance.now() - t0;
    };
    for (const secret of held) {
      const s = new Secrets();
      s.addAll([secret]);
      for (const fill of fills) {
        const line = (n: number) => `pw:a${fill(n)}"b pw:a${fill(n)}c`;
        timed(s, line(100));
        // The least of three runs, as garbage collection may fall in any one.
        const least = (text: string): number =>
          Math.min(timed(s, text), timed(s, text), timed(s, text));
        const short = least(line(3_000));
        const long = least(line(12_000));
        // Four times the backslashes: about four times the time (sixteen at least, before).
        expect(long / short, JSON.stringify({ secret, short, long })).toBeLessThan(10);
      }
      // Every form is still found: as written, quoted in JSON up to thrice, a backslash escaped.
      const forms = [secret, secret.replaceAll("\\", "\\u005c")];
      for (let level = 0; level < 3; level++) {
        forms.push(...forms.slice(-2).map((form) => JSON.stringify(form).slice(1, -1)));
      }
      for (const form of forms) expect(s.text(`[${form}]`), form).toBe(`[${REDACTED}]`);
    }
  });

  it("reads a line of many secrets ending in a backslash, or of cut starts after runs of them, in time that grows with it", () => {
    const timed = (s: Secrets, text: string): number => {
      const t0 = performance.now();
      s.text(text);
      return performance.now() - t0;
    };
    // The least of three runs, as garbage collection may fall in any one.
    const least = (s: Secrets, text: string): number =>
      Math.min(timed(s, text), timed(s, text), timed(s, text));
    const delta = (text: string) =>
      JSON.stringify({ method: "item/agentMessage/delta", params: { delta: text } });
    // After each secret found that ends in a backslash, the rest of the line was copied and
    // searched again: a line of many cost their number times its length.
    const ending = new Secrets();
    ending.addAll(["hunter2-pass\\"]);
    const echoed = (n: number) => delta("hunter2-pass\\ ".repeat(n));
    expect(ending.text(echoed(2))).not.toContain("hunter2");
    // A password that begins with a sign, its first half after a run of backslashes and before
    // dots: each run was read from each of its points, each reading scanning the rest of it.
    const password = "#Tq8!vZ@3$mW&9^rK*2(pL)7_yN+4=hB%c6<eJ>1?uX/5|gD~0;sF:2,aY[8]oI{";
    const signed = new Secrets();
    signed.addAll([password]);
    const half = password.slice(0, Math.ceil(password.length / 2));
    const runs = (n: number) => delta(`${"\\".repeat(n)}${half}x${".".repeat(n / 8)} `.repeat(20));
    for (const [s, line, few] of [
      [ending, echoed, 5_000],
      [signed, runs, 32],
    ] as const) {
      timed(s, line(few));
      const short = least(s, line(few));
      const long = least(s, line(4 * few));
      // Four times the line: about four times the time (it was sixteen times or more).
      expect(long / short, JSON.stringify({ short, long })).toBeLessThan(10);
    }
  });

  it("hides the start of a secret cut short when a shorter held secret begins it", () => {
    // The shorter one was replaced first, and what was left of the longer one's start no longer
    // began it: its rest was shown.
    const short = "pw-very-secret";
    const long = `${short}-and-longer-still-here`;
    const s = new Secrets();
    s.addAll([short, long]);
    const cut = `${long.slice(0, 25)}...`;
    for (const text of [cut, JSON.stringify(cut).slice(1, -1)]) {
      expect(s.text(`at ${text}`)).toBe(`at ${REDACTED}...`);
      expect(s.stderrText(`at ${text}`)).toBe(`at ${REDACTED}...`);
      expect(s.textBefore(`at ${text}`, text.length + 3)).toBe(`at ${REDACTED}...`);
    }
    expect(s.text(`${short} and ${cut}`)).toBe(`${REDACTED} and ${REDACTED}...`);
    // A whole secret, then a start cut short: each is found.
    expect(s.text(`${short}${cut}`)).toBe(`${REDACTED}${REDACTED}...`);
  });

  it("hides a start cut short right after a whole secret that begins a longer one, dots of its own and all", () => {
    // `team-token-01-ab` read as the longer one cut short at the dots inside the third: the
    // third's start, which began inside it, was not looked for again.
    const whole = "team-token-01";
    const s = new Secrets();
    s.addAll([whole, `${whole}-ab-longer-tail-z`, "-ab...cdefghijklmn"]);
    const text = `${whole}-ab...cdefgh\u2026`;
    for (const out of [s.text(text), s.stderrText(text), s.textBefore(text, text.length)]) {
      // The spans overlap: replaced as one.
      expect(out).toBe(`${REDACTED}\u2026`);
    }
  });

  it("hides every backslash of a secret written as `\\u005c`, and no text with fewer of them", () => {
    const quoted = (text: string) => JSON.stringify(text).slice(1, -1);
    // An encoder that writes a backslash as its escape, then the text quoted again.
    const escaped = (text: string) => quoted(text).replaceAll("\\\\", "\\u005c");
    for (const secret of ["pw-2024-secret\\\\", "pw-2024-secret\\\\\\\\"]) {
      const s = new Secrets();
      s.addAll([secret]);
      for (const text of [quoted(escaped(secret)), quoted(quoted(escaped(secret)))]) {
        expect(s.text(`[${text}]`), text).toBe(`[${REDACTED}]`);
      }
    }
    for (const [secret, text] of [
      ["pass\\\\word-2024", "pass\\u005cword-2024"],
      ['pass\\\\"word-2024', 'pass\\u005c"word-2024'],
    ]) {
      const s = new Secrets();
      s.addAll([secret!]);
      expect(s.text(text!)).toBe(text);
    }
  });

  it("hides both of two secrets that overlap in the text, and no text a secret does not match", () => {
    // The end of the first is the start of the second: the longest match at the first place was
    // replaced, and the second, no longer whole, shown.
    const s = new Secrets();
    s.addAll(["token-alpha-90210", "90210-zeta-secret"]);
    expect(s.text("[token-alpha-90210-zeta-secret]")).toBe(`[${REDACTED}]`);
    // A character after a backslash of a secret, written as its escape, needs a backslash of its
    // own: the escaped form of the secret without that backslash is another text.
    const slashed = new Secrets();
    slashed.addAll(['pass\\"word-2024']);
    expect(slashed.text("pass\\u0022word-2024")).toBe("pass\\u0022word-2024");
    expect(slashed.text("pass\\\\u0022word-2024")).toBe(REDACTED);
    expect(slashed.text(JSON.stringify('pass\\"word-2024'))).toBe(`"${REDACTED}"`);
  });

  it("finds a secret whole beside a shorter one that shares its start up to a backslash", () => {
    // Secrets that begin alike share a pattern; a run of backslashes there would take both of
    // the longer one's, and the shorter one's rest then match: the longer one's tail shown.
    const short = "Zq81mXv0\\RtY3";
    const long = "Zq81mXv0\\\\RtY3-private-part-9f8e7d";
    const s = new Secrets();
    s.addAll([short, long]);
    for (let form = long, level = 0; level < 4; level++, form = JSON.stringify(form).slice(1, -1)) {
      expect(s.text(`[${form}]`), form).toBe(`[${REDACTED}]`);
      expect(s.stderrText(`[${form}]`), form).toBe(`[${REDACTED}]`);
    }
    expect(s.text(`[${short}]`)).toBe(`[${REDACTED}]`);
  });

  it("leaves a placeholder shorter than 8 characters alone, in the text and in the JSON", () => {
    // Placeholder keys of OpenAI-compatible servers; `id` would take every answer's id.
    const s = new Secrets();
    s.addAll(["EMPTY", "none", "x", "id", "ollama", "1234567"]);
    expect(s.empty).toBe(true);
    const line = '{"id":7,"result":{"text":"The list is EMPTY: none left, x of ollama"}}';
    expect(s.text(line)).toBe(line);
    s.add("12345678");
    expect(s.text('{"key":"12345678"}')).toBe(`{"key":"${REDACTED}"}`);
  });
});

describe("what a logger is handed of an error holding a secret", () => {
  const KEY = "sk-proj-Zq81abcdefghijklmnop";
  function capture() {
    const calls: unknown[][] = [];
    const at = (...args: unknown[]) => void calls.push(args);
    const secrets = new Secrets();
    secrets.add(KEY);
    const logger = { debug: at, info: at, warn: at, error: at };
    return { log: new Log(logger, "warn", secrets), calls };
  }

  it("keeps where it was thrown and its own fields, redacted", () => {
    const { log, calls } = capture();
    function userApprovalHandler(): never {
      throw Object.assign(new TypeError(`upstream refused key ${KEY}`), { code: "E_AUTH" });
    }
    try {
      userApprovalHandler();
    } catch (err) {
      log.warn("the handler of item/commandExecution/requestApproval failed", err);
    }
    const detail = calls[0]![1] as Error & { code?: unknown };
    expect(inspect(detail)).not.toContain(KEY);
    expect(detail.stack).toContain("userApprovalHandler");
    expect(detail.stack).toContain("upstream refused key [redacted]");
    expect(detail.name).toBe("TypeError");
    expect(detail.code).toBe("E_AUTH");
  });

  it("keeps only its fields of plain values: one that refers to it, reads throwing or holds a megabyte is left out", () => {
    const { log, calls } = capture();
    const err = Object.assign(new Error(`refused ${KEY}`), {
      status: 401,
      body: Buffer.alloc(1024 * 1024),
      response: {
        get text(): never {
          throw new Error("body already read");
        },
      },
    });
    Object.assign(err, { context: { lastError: err } });
    const t0 = performance.now();
    log.warn("a call failed", err);
    // A copy of a megabyte, one field a byte, took over a second.
    expect(performance.now() - t0).toBeLessThan(200);
    const detail = calls[0]![1] as Error & Record<string, unknown>;
    expect(detail).toBeInstanceOf(Error);
    expect(detail.message).toBe("refused [redacted]");
    expect(detail.status).toBe(401);
    expect(Object.keys(detail).sort()).toEqual(["name", "status"]);
  });

  it("checks what JSON.stringify shows of it (a toJSON) and a cause its class shows through a getter", () => {
    const { log, calls } = capture();
    class HttpError extends Error {
      readonly #request: { headers: Record<string, string> };
      constructor(message: string, headers: Record<string, string>) {
        super(message);
        this.#request = { headers };
      }
      toJSON() {
        return { name: this.name, message: this.message, request: this.#request };
      }
    }
    class Wrapped extends Error {
      override get cause() {
        return new Error(`request with ${KEY} failed`);
      }
    }
    log.warn("a listener threw", new HttpError("401", { authorization: `Bearer ${KEY}` }));
    log.warn("a listener threw", new Wrapped("wrapped"));
    for (const [, detail] of calls) {
      expect(inspect(detail)).not.toContain(KEY);
      expect(JSON.stringify(detail)).not.toContain(KEY);
    }
  });
});

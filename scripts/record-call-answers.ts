// Records the fixture of test/unit/calls.fuzz.test.ts: the answers the pinned runtime (with the
// mock model, through the fault kit's relay) gives to each public call of the client but turns,
// made once with valid arguments. Run it again after a runtime upgrade:
//
//   npx tsx scripts/record-call-answers.ts test/support/fixtures/call-answers.jsonl
//
// Each line is `{ call, method, result }` or `{ call, method, error }`: the answer to one request
// the call sent, in the order sent (a list call sends one per page; a history call on a thread
// without a turn yet sends the checks it needs). Offline, `rateLimits` and `usage` are refused
// (no ChatGPT login), and so are ChatGPT tokens that are no JWT and a device-code login (it asks
// auth.openai.com for a code): their refusal is what is kept. A browser login is started and
// cancelled (no browser comes). A thread is forked before a turn, and before an inline review
// (refused by the runtime, then forked before the turn the review ran in). An MCP server's OAuth
// login (`mcpLogin`, against a fake OAuth server) is kept with the completion it waits for, a
// line `{ call, notification, params }`. Left out: turns, reviews, goals run, compactions and
// reverts, which client.fuzz covers.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Codex, Thread } from "../src/index.js";
import { createTestCodex } from "../src/testing/test-codex.js";
import { startFakeOauthMcp } from "../test/support/fake-oauth-mcp.js";
import { startProxy } from "../test/support/fault/proxy.js";

/** An MCP server with one tool, so the list of MCP servers has one to show. */
const MCP_TOOL_SERVER = fileURLToPath(
  new URL("../test/support/mcp-tool-server.mjs", import.meta.url),
);
/** How many entries of a long list (the models, a server's tools) are kept. */
const KEEP = 2;

/** An MCP server behind OAuth, which `mcpLogin` logs in to. */
const oauth = await startFakeOauthMcp();
const p = await startProxy({
  configOverrides: [
    `mcp_servers.docs.url=${JSON.stringify(oauth.url)}`,
    // Tokens go to a file in the throwaway CODEX_HOME, not the machine's keyring.
    'mcp_oauth_credentials_store="file"',
    `mcp_servers.deployer.command=${JSON.stringify(process.execPath)}`,
    `mcp_servers.deployer.args=[${JSON.stringify(MCP_TOOL_SERVER)}]`,
  ],
});
const t = await createTestCodex({ launchArgs: p.launchArgs, killGraceMs: 500 });
const out: object[] = [];

/** Paths of the machine's temporary directories and the user's name, the same on every machine. */
function fixed(value: unknown): unknown {
  const text = JSON.stringify(value)
    .replaceAll(t.workDir, "/work")
    .replaceAll(t.home.codexHome, "/home/.codex")
    .replace(/\/tmp\/codex-sdk-work-\w+/g, "/work")
    .replace(/\/tmp\/codex-sdk-home-\w+/g, "/home/.codex")
    .replaceAll(process.execPath, "/usr/bin/node")
    .replaceAll(MCP_TOOL_SERVER, "/mcp-tool-server.mjs");
  return JSON.parse(text) as unknown;
}

/** `result` with its long lists (the models, each directory's skills) cut to `KEEP` entries. */
function trimmed(method: string, result: unknown): unknown {
  const page = result as { data: unknown[] };
  if (method === "model/list") return { ...page, data: page.data.slice(0, KEEP) };
  if (method === "skills/list") {
    const data = (page.data as { skills: unknown[] }[]).map((entry) => ({
      ...entry,
      skills: entry.skills.slice(0, KEEP),
    }));
    return { ...page, data };
  }
  return result;
}

/** The notifications a call waits for, kept with its answers. */
const AWAITED = new Set(["mcpServer/oauthLogin/completed"]);

/** Makes the call `name` and keeps the answers to the requests it sent. */
async function call(name: string, work: (codex: Codex) => Promise<unknown>): Promise<void> {
  await p.sync();
  const from = p.log.length;
  await work(t.codex);
  await p.sync();
  const methods = new Map<unknown, string>();
  for (const { direction, message } of p.log.slice(from)) {
    if (message === undefined) continue;
    if (direction === "toServer") {
      if (message.method !== undefined && message.id !== undefined) {
        methods.set(message.id, message.method);
      }
      continue;
    }
    if (message.method !== undefined && message.id === undefined) {
      if (AWAITED.has(message.method)) {
        const { params } = fixed({ params: message.params }) as { params: unknown };
        out.push({ call: name, notification: message.method, params });
      }
      continue;
    }
    const method = methods.get(message.id);
    if (message.method !== undefined || method === undefined) continue;
    const answer =
      message.error === undefined
        ? { result: trimmed(method, message.result) }
        : { error: message.error };
    out.push({ call: name, method, ...(fixed(answer) as object) });
  }
}

/** A call the server refuses, which is what it answers. */
const refused = async (work: Promise<unknown>) => work.catch(() => undefined);

try {
  // The initialize answer, as the client started.
  await p.sync();
  const initialize = p.log.find((l) => l.direction === "toClient" && l.message?.id !== undefined);
  const { result } = initialize!.message!;
  out.push({ call: "initialize", method: "initialize", result: fixed(result) });
  // Two threads with a turn each, so a list of one thread a page has two pages, the first with
  // two turns, so a list of one turn a page has two pages too; a third thread without a turn.
  for (const text of ["one", "two", "three"]) t.mock.enqueueAssistantMessage(text);
  let main!: Thread;
  await call("threadStart", async (codex) => (main = await codex.threadStart({ cwd: t.workDir })));
  await main.run("hi");
  const again = await main.run("again");
  const other = await t.codex.threadStart({ cwd: t.workDir });
  await other.run("hi");
  const turnless = await t.codex.threadStart({ cwd: t.workDir });

  await call("account", (codex) => codex.account());
  await call("rateLimits", (codex) => refused(codex.rateLimits()));
  await call("usage", (codex) => refused(codex.usage()));
  await call("models", (codex) => codex.models());
  await call("skills", (codex) => codex.skills({ cwds: [t.workDir] }));
  await call("mcpServers", (codex) => codex.mcpServers());
  // What a browser does with the authorization URL: follow the redirects back to the runtime.
  await call("mcpLogin", async (codex) => {
    const login = await codex.mcpLogin("docs");
    await (await fetch(login.authorizationUrl)).text();
    return login.wait({ timeout: 10_000 });
  });
  await call("loadedThreads", (codex) => codex.loadedThreads());
  await call("threadList", (codex) => codex.threadList({ limit: 1 }));
  await call("threads", async (codex) => {
    for await (const _ of codex.threads({ limit: 1 })) {
      // Every page.
    }
  });
  await call("read", () => main.read({ includeTurns: true }));
  await call("turnList", () => main.turnList());
  await call("turns", async () => {
    for await (const _ of main.turns({ limit: 1 })) {
      // Every page.
    }
  });
  await call("itemList", () => main.itemList());
  await call("items", async () => {
    for await (const _ of main.items({ limit: 2 })) {
      // Every page.
    }
  });
  // A thread without a turn: the runtime refuses its history, the SDK checks why.
  await call("readTurnless", () => turnless.read({ includeTurns: true }));
  await call("turnListTurnless", () => turnless.turnList());
  await call("itemListTurnless", () => turnless.itemList());
  await call("setName", () => main.setName("fuzzed"));
  // Paused: an active goal would start a turn.
  await call("setGoal", () => main.setGoal("tidy the docs", { status: "paused" }));
  await call("goal", () => main.goal());
  await call("setGoalStatus", () => main.setGoalStatus("blocked"));
  await call("clearGoal", () => main.clearGoal());
  let fork = main;
  await call("threadFork", async (codex) => (fork = await codex.threadFork(main.id)));
  await call("unsubscribe", () => fork.unsubscribe());
  await call("threadForkBefore", (codex) => codex.threadFork(main.id, { beforeTurnId: again.id }));
  // A fork before an inline review, by the review's id, which the runtime does not take: the SDK
  // looks the turn the review ran in up in the thread's turns, and forks before that.
  t.mock.enqueueAssistantMessage("noted");
  t.mock.enqueueAssistantMessage(
    JSON.stringify({
      findings: [],
      overall_correctness: "patch is correct",
      overall_explanation: "nothing to change",
      overall_confidence_score: 0.9,
    }),
  );
  const reviewed = await t.codex.threadStart({ cwd: t.workDir });
  await reviewed.run("first");
  const review = await (await reviewed.review({ instructions: "Look for typos." })).run();
  await call("threadForkReview", (codex) =>
    codex.threadFork(reviewed.id, { beforeTurnId: review.id }),
  );
  await call("threadArchive", (codex) => codex.threadArchive(other.id));
  await call("threadUnarchive", (codex) => codex.threadUnarchive(other.id));
  await call("threadResume", (codex) => codex.threadResume(other.id));
  await call("threadDelete", (codex) => codex.threadDelete(other.id));
  await call("configRead", (codex) => codex.config.read());
  await call("configWrite", (codex) => codex.config.write("hide_agent_reasoning", true));
  await call("configBatchWrite", (codex) =>
    codex.config.batchWrite([
      { keyPath: "hide_agent_reasoning", value: false },
      { keyPath: "show_raw_agent_reasoning", value: false },
    ]),
  );
  await call("exec", async (codex) => (await codex.exec(["echo", "hi"])).wait());
  await call("loginApiKey", (codex) => codex.loginApiKey("sk-mock-not-a-real-key"));
  await call("loginChatgpt", async (codex) => (await codex.loginChatgpt()).cancel());
  await call("loginChatgptDeviceCode", (codex) =>
    refused(codex.loginChatgptDeviceCode().then((login) => login.cancel())),
  );
  await call("loginChatgptAuthTokens", (codex) =>
    refused(
      codex.loginChatgptAuthTokens({ accessToken: "not-a-jwt", chatgptAccountId: "acct-fuzz" }),
    ),
  );
  await call("logout", (codex) => codex.logout());
} finally {
  await t.close();
  await p.close();
  await oauth.close();
}
writeFileSync(process.argv[2]!, out.map((line) => JSON.stringify(line) + "\n").join(""));

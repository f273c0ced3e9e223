// Records the fixture of test/unit/client.fuzz.test.ts: the wire of real turns (the pinned runtime
// and the mock model, through the fault kit's relay), trimmed to what a turn is made of. Run it
// again after a runtime upgrade:
//
//   npx tsx scripts/record-client-fuzz.ts test/support/fixtures/client-fuzz.jsonl
//
// Each line is `{ scenario, answer, result }` (the answer to a client request of that method) or
// `{ scenario, message }` (what the server sent after the answer recorded last: `turn/start`, the
// goal's `thread/goal/set`, `thread/compact/start`, `review/start`, `thread/revert`; in order).
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { ApprovalMode, Sandbox, type ServerRequestHandlers } from "../src/index.js";
import { sse, type MockResponseInput, type TestCodex } from "../src/testing/index.js";
import { createTestCodex } from "../src/testing/test-codex.js";
import { startProxy, type RelayedLine } from "../test/support/fault/proxy.js";

/** The answers each scenario keeps; the messages of `steer` are another plain turn's. */
const ANSWERS: Record<string, readonly string[]> = {
  plain: ["initialize", "thread/start", "turn/start"],
  approval: ["turn/start"],
  tool: ["turn/start"],
  steer: ["turn/steer", "turn/interrupt"],
  goal: ["thread/read", "thread/goal/clear", "thread/goal/set"],
  compact: ["thread/compact/start"],
  review: ["review/start"],
  detached: ["thread/fork", "review/start"],
  revert: ["thread/turns/list", "thread/revert"],
  output: ["turn/start"],
  input: ["turn/start"],
  patch: ["turn/start"],
  mcp: ["turn/start"],
  permissions: ["turn/start"],
};
/** Messages about the thread or the account, which the plain turn shows for all. */
const PLAIN_ONLY = new Set(["account/rateLimits/updated", "thread/readState/changed"]);
/**
 * What a runtime says of itself as it starts, whenever it gets to it: the second runtime's may
 * fall in its first scenario or not, and one depends on the machine (no bubblewrap on PATH).
 */
const STARTUP = new Set(["configWarning", "remoteControl/status/changed"]);

const out: object[] = [];
/**
 * The lines of one scenario, trimmed: no thread/started, and in the turns after the plain one no
 * user message, no update of the account or read state, one update of the token usage.
 */
function keep(scenario: string, lines: readonly RelayedLine[], answersOnly = false): void {
  const methods = new Map<unknown, string>();
  let usage = false;
  for (const { direction, message } of lines) {
    if (message === undefined) continue;
    // A compaction's traffic ends where the turn asked for after it starts.
    if (scenario === "compact" && message.method === "turn/start") break;
    if (direction === "toServer") {
      if (message.method !== undefined) methods.set(message.id, message.method);
      continue;
    }
    // Paths of the machine's temporary directories, the same on every machine.
    const text = JSON.stringify(message)
      .replace(/\/tmp\/codex-sdk-work-\w+/g, "/work")
      .replace(/\/tmp\/codex-sdk-home-\w+/g, "/home/.codex");
    const m = JSON.parse(text) as typeof message & { params?: { item?: { type?: string } } };
    if (m.method === undefined) {
      const answer = methods.get(m.id);
      if (answer !== undefined && ANSWERS[scenario]!.includes(answer)) {
        out.push({ scenario, answer, result: m.result });
      }
      continue;
    }
    if (answersOnly || scenario === "steer" || m.method === "thread/started") continue;
    if (STARTUP.has(m.method)) continue;
    if (scenario !== "plain") {
      if (PLAIN_ONLY.has(m.method) || m.params?.item?.type === "userMessage") continue;
      if (m.method === "thread/tokenUsage/updated" && usage) continue;
    }
    usage ||= m.method === "thread/tokenUsage/updated";
    out.push({ scenario, message: m });
  }
}

/** An MCP server whose one tool, `deploy`, the runtime asks to approve each call of. */
const MCP_TOOL_SERVER = fileURLToPath(
  new URL("../test/support/mcp-tool-server.mjs", import.meta.url),
);

/**
 * The runtime behind a relay, and a function recording a scenario through it. Each scenario's
 * thread starts in it, so what the runtime says at a thread's start (an MCP server's startup) is
 * kept.
 */
async function start(configOverrides?: string[]) {
  const p = await startProxy({ configOverrides });
  const t = await createTestCodex({ launchArgs: p.launchArgs, killGraceMs: 500 });
  const scenario = async (name: string, work: () => Promise<unknown>) => {
    await p.sync();
    const from = p.log.length;
    await work();
    await p.sync();
    keep(name, p.log.slice(from));
  };
  return { p, t, scenario };
}

/**
 * A turn in which the model makes `call`, which the runtime asks the user to approve, and
 * `approvals` accepts; the model then says `reply`.
 */
async function approvedTurn(
  t: TestCodex,
  call: MockResponseInput,
  reply: string,
  approvals: ServerRequestHandlers["approvals"],
  prompt: string,
): Promise<void> {
  t.mock.enqueue(call);
  t.mock.enqueueAssistantMessage(reply);
  const thread = await t.codex.threadStart({
    approvalMode: ApprovalMode.askUser,
    sandbox: Sandbox.readOnly,
    cwd: t.workDir,
    approvals,
  });
  await thread.run(prompt);
}

const { p, t, scenario } = await start();
try {
  // The initialize answer, as the client started.
  await p.sync();
  keep("plain", p.log, true);
  await scenario("plain", async () => {
    t.mock.enqueue(sse.textDeltas(["Hel", "lo"]));
    const thread = await t.codex.threadStart();
    await thread.run("hi");
  });
  await scenario("approval", () => {
    const cmd = "touch made.txt";
    const escalated = { sandbox_permissions: "require_escalated", justification: "need to write" };
    const call = sse.functionCall("exec_command", { cmd, ...escalated }, { callId: "call_cmd" });
    const approvals = { commandExecution: () => ({ decision: "accept" as const }) };
    return approvedTurn(t, call, "finished", approvals, "make a file");
  });
  await scenario("tool", async () => {
    t.mock.enqueue(sse.functionCall("lookup", { q: "x" }, { callId: "call_l" }));
    t.mock.enqueueAssistantMessage("found it");
    const inputSchema = { type: "object", properties: { q: { type: "string" } } };
    const lookup = { name: "lookup", description: "Looks a word up", inputSchema };
    const thread = await t.codex.threadStart({ tools: [{ ...lookup, handler: () => "found" }] });
    await thread.run("look it up");
  });
  await scenario("goal", async () => {
    t.mock.enqueueAssistantMessage("first draft");
    t.mock.enqueue(sse.functionCall("update_goal", { status: "complete" }));
    t.mock.enqueueAssistantMessage("done");
    const thread = await t.codex.threadStart();
    await thread.runGoal("write a haiku");
  });
  t.mock.enqueueAssistantMessage("one");
  t.mock.enqueueAssistantMessage("summary");
  t.mock.enqueueAssistantMessage("two");
  const compacted = await t.codex.threadStart();
  await compacted.run("hi");
  await scenario("compact", async () => {
    await compacted.compact();
    // Sent once the compaction is over: what comes from then on is not kept.
    await compacted.run("again");
  });
  // A review of a changed file in a git workspace: inline, and on a fork of a thread with a turn.
  const git = (...args: string[]) => execFileSync("git", args, { cwd: t.workDir });
  const file = path.join(t.workDir, "app.js");
  await writeFile(file, "export const add = (a, b) => a + b;\n");
  git("init", "-q", "-b", "main");
  git("add", ".");
  git("-c", "user.email=sdk@example.com", "-c", "user.name=SDK", "commit", "-qm", "adder");
  await writeFile(file, "export const add = (a, b) => a - b;\n");
  const finding = {
    title: "add subtracts",
    body: "it subtracts",
    confidence_score: 0.9,
    priority: 1,
  };
  const location = { absolute_file_path: file, line_range: { start: 1, end: 1 } };
  const reviewer = JSON.stringify({
    findings: [{ ...finding, code_location: location }],
    overall_correctness: "patch is incorrect",
    overall_explanation: "add subtracts",
    overall_confidence_score: 0.9,
  });
  await scenario("review", async () => {
    t.mock.enqueueAssistantMessage(reviewer);
    const thread = await t.codex.threadStart({ cwd: t.workDir });
    await (await thread.review("uncommittedChanges")).run();
  });
  t.mock.enqueueAssistantMessage("noted");
  const forked = await t.codex.threadStart({ cwd: t.workDir });
  await forked.run("hi");
  await scenario("detached", async () => {
    t.mock.enqueueAssistantMessage(reviewer);
    await (await forked.review("uncommittedChanges", { delivery: "detached" })).run();
  });
  t.mock.enqueueAssistantMessage("one");
  t.mock.enqueueAssistantMessage("two");
  const reverted = await t.codex.threadStart();
  await reverted.run("hi");
  const second = await reverted.run("again");
  await scenario("revert", () => reverted.revert(second.id));
  await scenario("output", async () => {
    t.mock.enqueueAssistantMessage(JSON.stringify({ city: "Lisbon", people: 3 }));
    const thread = await t.codex.threadStart();
    await thread.run("Describe", { output: z.object({ city: z.string(), people: z.number() }) });
  });
  await scenario("input", async () => {
    const options = [{ label: "blue", description: "calm" }];
    const question = { id: "colour", header: "Colour", question: "Favourite colour?", options };
    t.mock.enqueue(sse.functionCall("request_user_input", { questions: [question] }));
    t.mock.enqueueAssistantMessage("blue it is");
    const thread = await t.codex.threadStart({
      onUserInput: () => ({ answers: { colour: { answers: ["blue"] } } }),
    });
    const settings = { model: "mock-model", reasoning_effort: null, developer_instructions: null };
    await thread.run("pick", { collaborationMode: { mode: "plan", settings } });
  });
  // A file change's approval, accepted. After the others (but the steer, whose interrupted turn
  // leaves a response of the mock's unused), so that their mock's message ids, and the server's
  // request ids, stay as they were.
  await scenario("patch", () => {
    const patch =
      "*** Begin Patch\n*** Add File: patched.txt\n+hello from the patch\n*** End Patch\n";
    const call = sse.applyPatch(patch, { callId: "call_patch" });
    const approvals = { fileChange: () => ({ decision: "accept" as const }) };
    return approvedTurn(t, call, "patched", approvals, "add a file");
  });
  await scenario("steer", async () => {
    const gate = t.mock.gate();
    t.mock.enqueue(sse.textDeltas(["working"]), { gate });
    t.mock.enqueueAssistantMessage("after");
    const thread = await t.codex.threadStart();
    const turn = await thread.turn("start");
    await gate.reached;
    await turn.steer("more");
    await turn.interrupt();
    gate.release();
    await turn.run();
  });
} finally {
  await t.close();
  await p.close();
}
// An MCP tool call's approval (an elicitation) and a grant of permissions, each accepted, from a
// runtime of their own: the MCP server and the feature they need would change what the runtime
// says in every scenario above (a warning about the feature, the MCP server's startup).
const asked = await start([
  "features.request_permissions_tool=true",
  `mcp_servers.deployer.command=${JSON.stringify(process.execPath)}`,
  `mcp_servers.deployer.args=[${JSON.stringify(MCP_TOOL_SERVER)}]`,
]);
try {
  const { t, scenario } = asked;
  await scenario("mcp", () => {
    const call = sse.functionCall("deploy", {}, { namespace: "mcp__deployer", callId: "call_mcp" });
    const approvals = { mcpToolCall: () => ({ action: "accept" as const }) };
    return approvedTurn(t, call, "deployed it", approvals, "deploy the site");
  });
  await scenario("permissions", () => {
    const permissions = { file_system: { write: [path.join(t.workDir, "out")] } };
    const reason = "need to write the output";
    const args = { permissions, reason };
    const call = sse.functionCall("request_permissions", args, { callId: "call_perm" });
    const approvals: ServerRequestHandlers["approvals"] = {
      permissions: (params) => ({ permissions: params.permissions, scope: "turn" }),
    };
    return approvedTurn(t, call, "granted", approvals, "write the output");
  });
} finally {
  await asked.t.close();
  await asked.p.close();
}
writeFileSync(process.argv[2]!, out.map((line) => JSON.stringify(line) + "\n").join(""));

/**
 * Approvals and tools. With `ApprovalMode.askUser` the server asks this program before the agent
 * does anything beyond its sandbox; the `approvals` handlers answer. Here a ready-made policy
 * (`approvalPolicies.allowCommands`) decides and a wrapper logs each request. A dynamic tool
 * (`tools`) offers the model a JavaScript function to call, its arguments checked and typed by a
 * zod schema (`defineTool`). (In your project: `npm install zod`; the SDK does not depend on it.)
 */
import { existsSync } from "node:fs";
import path from "node:path";

import {
  ApprovalMode,
  Sandbox,
  approvalPolicies,
  commandsOf,
  defineTool,
  type ApprovalHandlers,
} from "codex-app-server-sdk";
import { z } from "zod";
import { startCodex } from "../_shared/start.js";

await using session = await startCodex();
const { codex, script } = session;

// An accepted escalation runs outside the sandbox, so accept no more than the task needs:
// `touch notes.txt` exactly (an anchored pattern; a string rule "touch" would accept `touch` of
// any path) and `ls` (a string rule matches that program with any arguments, but only in a
// command of plain words: no operator such as `>` or `&&`, no `$` expansion, no glob).
const policy = approvalPolicies.allowCommands([/^touch notes\.txt$/, "ls"]);
const approvals: ApprovalHandlers = {
  async commandExecution(params, context) {
    const answer = await policy.commandExecution(params, context);
    console.log(`  approval: ${commandsOf(params).join(" ; ")}`);
    console.log(`    reason: ${params.reason ?? "none"} -> ${answer.decision}`);
    return answer;
  },
};

// The model is told the schema's JSON Schema; each call's arguments are validated by it before
// the handler runs, and a call it refuses is failed, naming the issue, so the model can retry.
const lookupTicket = defineTool({
  name: "lookup_ticket",
  description: "Looks up a ticket of the issue tracker by id; returns its title and status.",
  input: z.object({
    id: z
      .string()
      .regex(/^[A-Z]+-\d+$/)
      .describe("Ticket id, like SDK-7"),
  }),
  handler({ id }) {
    console.log(`  tool call: lookup_ticket(${JSON.stringify(id)})`);
    return { id, title: "Write runnable examples", status: "in review" };
  },
});

const thread = await codex.threadStart({
  approvalMode: ApprovalMode.askUser,
  sandbox: Sandbox.readOnly,
  approvals,
  tools: [lookupTicket],
});

// Writing a file needs more than the read-only sandbox, so each command asks first.
console.log("1. commands that need approval");
const escalate = { sandbox_permissions: "require_escalated" };
script.callTool("exec_command", {
  cmd: "touch notes.txt",
  ...escalate,
  justification: "create the notes file",
});
script.callTool("exec_command", {
  cmd: "rm -rf build",
  ...escalate,
  justification: "clean the build directory",
});
script.reply("I created notes.txt; removing build/ was declined, so I left it.");
const first = await thread.run(
  "Create an empty notes.txt with touch, then delete the build directory.",
);
for (const item of first.items) {
  if (item.type === "commandExecution") {
    // The command as the approval was asked for it (the server's own parse of a pipeline can drop
    // its tail), without the shell wrapper.
    const command = commandsOf(item).join(" ; ");
    console.log(`  command ${command}: ${item.status}, exit code ${item.exitCode ?? "-"}`);
  }
}
console.log(`  notes.txt exists: ${existsSync(path.join(session.workDir, "notes.txt"))}`);
console.log(`  answer: ${first.finalResponse}\n`);

console.log("2. a dynamic tool");
// A call the schema refuses (no ticket id), then one it takes.
script.callTool("lookup_ticket", { id: "seven" });
script.callTool("lookup_ticket", { id: "SDK-7" });
script.reply("SDK-7, 'Write runnable examples', is in review.");
const second = await thread.run("What is the status of ticket SDK-7? Use the lookup_ticket tool.");
for (const item of second.items) {
  if (item.type === "dynamicToolCall") {
    const told = item.contentItems?.map((content) => ("text" in content ? content.text : ""));
    console.log(`  ${item.tool}: ${item.success ? "succeeded" : "failed"}: ${told?.join(" ")}`);
  }
}
console.log(`  answer: ${second.finalResponse}`);

/**
 * Pick a model from `codex.models()` and its strongest reasoning effort, then run turns with
 * explicit per-turn settings: model, effort, cwd, sandbox, summary, outputSchema.
 */
import { Sandbox } from "codex-app-server-sdk";
import type { ReasoningEffort } from "codex-app-server-sdk/types";
import { startCodex } from "../_shared/start.js";

const STRONGEST_FIRST: readonly ReasoningEffort[] = ["xhigh", "high", "medium", "low", "minimal"];

await using session = await startCodex();
const { codex, script } = session;

const { data: models } = await codex.models({ includeHidden: true });
const ids = new Set(models.map((model) => model.id));
// Visible models, without those that name a listed successor in `upgrade`.
const candidates = models.filter((m) => !m.hidden && !(m.upgrade && ids.has(m.upgrade)));
const model = candidates.find((m) => m.isDefault) ?? candidates[0];
if (model === undefined) throw new Error("the server offers no visible model");

const efforts = model.supportedReasoningEfforts.map((option) => option.reasoningEffort);
const effort = STRONGEST_FIRST.find((e) => efforts.includes(e)) ?? null;
console.log(`${models.length} models listed (hidden included); picked ${model.id}`);
console.log(`efforts offered: ${efforts.join(", ") || "none"}; using ${effort ?? "the default"}\n`);

const thread = await codex.threadStart({ model: model.id });
const settings = {
  model: model.id,
  effort,
  cwd: session.workDir,
  sandbox: Sandbox.readOnly,
  summary: "concise",
} as const;

script.reply("Use a read-only sandbox when the agent only needs to look, not change.", {
  reasoning: "Read-only is the least privilege that still allows inspection.",
});
const first = await thread.run(
  "When is a read-only sandbox the right choice? One sentence.",
  settings,
);
console.log(`turn 1: ${first.finalResponse}`);

script.reply(JSON.stringify({ model: model.id, sandbox: "read-only", ok: true }));
const second = await thread.run("Report the model and sandbox of this turn as JSON.", {
  ...settings,
  outputSchema: {
    type: "object",
    properties: {
      model: { type: "string" },
      sandbox: { type: "string" },
      ok: { type: "boolean" },
    },
    required: ["model", "sandbox", "ok"],
    additionalProperties: false,
  },
});
console.log(`turn 2 (JSON): ${JSON.stringify(JSON.parse(second.finalResponse ?? "null"))}`);

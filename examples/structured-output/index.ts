/**
 * Typed structured output: pass a zod schema as `output` and the result's `parsed` is the answer,
 * validated by the schema and typed as its output. Works the same with `thread.turn()`, whose
 * handle streams first. (In your project: `npm install zod`; the SDK does not depend on it.)
 */
import { StructuredOutputError } from "codex-app-server-sdk";
import { z } from "zod";
import { startCodex } from "../_shared/start.js";

const Triage = z.object({
  summary: z.string().describe("One sentence"),
  severity: z.enum(["low", "medium", "high", "critical"]),
  components: z.array(z.string()).min(1),
  reproduction: z.object({ steps: z.array(z.string()), reliable: z.boolean() }),
  // Optional: sent to the model as nullable; a null answer comes back as a missing property.
  duplicateOf: z.number().int().optional().describe("Issue number, if a duplicate"),
  // Nullable: a null answer stays null.
  owner: z.string().nullable(),
});

const REPORT = `Bug report: after upgrading to 2.3, saving a file with a non-ASCII name from the
editor fails with "invalid path". Happens every time on Windows, never on macOS.`;

await using session = await startCodex();
const { codex, script } = session;
const thread = await codex.threadStart();

// 1. thread.run with output: one call, a typed result.
script.reply(
  JSON.stringify({
    summary: "Saving files with non-ASCII names fails on Windows since 2.3.",
    severity: "high",
    components: ["editor", "filesystem"],
    reproduction: {
      steps: ["Install 2.3 on Windows", "Create a file named café.txt", "Save it"],
      reliable: true,
    },
    duplicateOf: null,
    owner: null,
  }),
);
const triage = await thread.run(`Triage this report.\n\n${REPORT}`, { output: Triage });
const { parsed } = triage;
console.log(`[${parsed.severity}] ${parsed.summary}`);
console.log(`components: ${parsed.components.join(", ")}`);
parsed.reproduction.steps.forEach((step, i) => console.log(`  ${i + 1}. ${step}`));
console.log(`reliable: ${parsed.reproduction.reliable}`);
console.log(
  `duplicate of: ${parsed.duplicateOf ?? "none"} (property present: ${"duplicateOf" in parsed})`,
);
console.log(`owner: ${parsed.owner ?? "unassigned"}`);

// 2. thread.turn with output: stream the answer as it is written, then read it typed.
const Issue = z.object({
  title: z.string(),
  labels: z.array(z.enum(["bug", "windows", "regression", "i18n"])),
});
script.reply(
  JSON.stringify({
    title: "Non-ASCII file names fail to save on Windows (2.3 regression)",
    labels: ["bug", "windows", "regression", "i18n"],
  }),
);
const turn = await thread.turn("Write the issue title and labels for it.", { output: Issue });
process.stdout.write("\nstreaming: ");
for await (const event of turn.stream()) {
  if (event.method === "item/agentMessage/delta") process.stdout.write(event.params.delta);
}
const { parsed: issue } = await turn.run();
console.log(`\n\n${issue.title}\nlabels: ${issue.labels.map((label) => `#${label}`).join(" ")}`);

// 3. An answer the schema rejects. Strict mode keeps a real model to the schema, so only the
// offline mock is made to answer off-schema here.
if (session.offline) {
  script.reply("Sorry, I can only triage reports that include a stack trace.");
  try {
    await thread.run("Triage the next report.", { output: Triage });
  } catch (error) {
    if (!(error instanceof StructuredOutputError)) throw error;
    console.log(`\n${error.name}: ${error.message}`);
    console.log(`raw answer: ${JSON.stringify(error.text)} (turn ${error.result.status})`);
  }
}

/**
 * Turn options together: `outputSchema` makes the final answer JSON of a given shape (this turn
 * only), `summary` asks for a reasoning summary, `additionalContext` gives the model context of
 * the application's; the answer is then parsed and checked.
 */
import type { JsonValue } from "codex-app-server-sdk/types";
import { startCodex } from "../_shared/start.js";

interface Checklist {
  title: string;
  steps: string[];
  risk: "low" | "medium" | "high";
}

const outputSchema: JsonValue = {
  type: "object",
  properties: {
    title: { type: "string" },
    steps: { type: "array", items: { type: "string" }, minItems: 1 },
    risk: { type: "string", enum: ["low", "medium", "high"] },
  },
  required: ["title", "steps", "risk"],
  additionalProperties: false,
};

function isChecklist(value: unknown): value is Checklist {
  const v = value as Partial<Checklist> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.title === "string" &&
    Array.isArray(v.steps) &&
    v.steps.every((step) => typeof step === "string") &&
    (v.risk === "low" || v.risk === "medium" || v.risk === "high")
  );
}

await using session = await startCodex();
const { codex, script } = session;
const thread = await codex.threadStart();

const answer: Checklist = {
  title: "Upgrade the HTTP client library",
  steps: [
    "Read the changelog for breaking changes",
    "Bump the version and run the test suite",
    "Roll out behind a feature flag",
  ],
  risk: "medium",
};
script.reply(JSON.stringify(answer), {
  reasoning: "A dependency upgrade: check the changelog, test, then roll out gradually.",
});

const result = await thread.run("Give a short checklist for upgrading an HTTP client library.", {
  outputSchema,
  summary: "concise",
  additionalContext: {
    ticket: { value: "The library is used by the billing service only.", kind: "application" },
  },
});

for (const item of result.items) {
  if (item.type === "reasoning" && item.summary.length > 0) {
    console.log(`reasoning summary: ${item.summary.join(" ")}`);
  }
}

const parsed: unknown = JSON.parse(result.finalResponse ?? "null");
if (!isChecklist(parsed))
  throw new Error(`answer does not match the schema: ${result.finalResponse}`);
console.log(`\n${parsed.title} (risk: ${parsed.risk})`);
parsed.steps.forEach((step, i) => console.log(`  ${i + 1}. ${step}`));

/**
 * What the server says about itself (`codex.metadata`, the `initialize` answer) and which models
 * it offers (`codex.models()`).
 */
import { startCodex } from "../_shared/start.js";

await using session = await startCodex();
const { codex } = session;

const { serverInfo, userAgent, codexHome, platformFamily, platformOs } = codex.metadata;
console.log("metadata:");
console.log(`  version:    ${serverInfo.version}`);
console.log(`  user agent: ${userAgent}`);
console.log(`  platform:   ${platformFamily} / ${platformOs}`);
console.log(`  codex home: ${codexHome}`);

const visible = await codex.models();
console.log(`\n${visible.data.length} models; the first 5:`);
for (const model of visible.data.slice(0, 5)) {
  const efforts = model.supportedReasoningEfforts.map((e) => e.reasoningEffort).join("/");
  const marker = model.isDefault ? " (default)" : "";
  console.log(`  ${model.id}${marker}: ${model.displayName}; efforts ${efforts || "none"}`);
}

const all = await codex.models({ includeHidden: true });
const hidden = all.data.filter((model) => model.hidden).map((model) => model.id);
console.log(`\nhidden from pickers: ${hidden.join(", ") || "none"}`);

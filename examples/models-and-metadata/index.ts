/**
 * What the server says about itself (`codex.metadata`, the `initialize` answer, and
 * `codex.startupNotifications`, what it said while the client started) and which models it offers
 * (`codex.models()`).
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

// The runtime warns about what it ignores in the config right after `initialize`: the warning
// is kept if it came while the client started, and reaches a listener added now if it comes later.
const warn = (params: { summary: string }) => console.log(`  config warning: ${params.summary}`);
codex.on("configWarning", warn);
const said = codex.startupNotifications.map((n) => n.method);
console.log(`\nsaid during start-up: ${said.join(", ") || "nothing"}`);
for (const n of codex.startupNotifications) if (n.method === "configWarning") warn(n.params);

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

/**
 * `npm run demo`: the quickstart example end to end, right after `npm ci`.
 *
 * With a Codex login (`$CODEX_HOME/auth.json` or `~/.codex/auth.json`) or `OPENAI_API_KEY`, it
 * talks to the real Codex service with your normal config. Without, or with
 * `CODEX_SDK_OFFLINE=1`, the same code runs the real app-server against a local mock model, so
 * nothing leaves this machine. See examples/_shared/start.ts.
 */
import { detectMode } from "../examples/_shared/start.js";

const mode = detectMode();
console.log("codex-app-server-sdk demo: the quickstart example, end to end\n");

await import("../examples/quickstart/index.js");

console.log(`\nThis ran against the ${mode.label}.`);
if (mode.offline && !mode.forced) {
  console.log("For real answers, log in with `npx codex login` (or set OPENAI_API_KEY) and rerun.");
}
console.log("More examples: `npm run example` lists them; `npm run example -- <name>` runs one.");

/**
 * Running commands in the sandbox with `codex.exec()`: stream a command's output as it comes,
 * feed one its input, let the read-only sandbox refuse a write, let the network in with
 * `networkAccess`, and stop one that runs too long.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { CommandAbortedError, Sandbox } from "codex-app-server-sdk";

import { startCodex } from "../_shared/start.js";

await using session = await startCodex();
const { codex, workDir } = session;

// Stream the output while the command runs; wait() then gives the exit code and all of it.
const steps = await codex.exec(["sh", "-c", "for i in 1 2 3; do echo step $i; sleep 0.2; done"], {
  cwd: workDir,
});
for await (const chunk of steps.stdout) process.stdout.write(`  | ${chunk}`);
console.log(`exit code ${(await steps.wait()).exitCode}\n`);

// Standard input: write to the command, then close its input so it finishes.
const upper = await codex.exec(["tr", "a-z", "A-Z"], { stdin: true });
await upper.write("shout this\n");
await upper.closeStdin();
console.log(`tr answered: ${(await upper.wait()).stdout}`);

// The read-only sandbox refuses to write anywhere.
const write = await codex.exec(["sh", "-c", "echo hi > note.txt"], {
  cwd: workDir,
  sandbox: Sandbox.readOnly,
});
const refused = await write.wait();
console.log(`read-only write: exit ${refused.exitCode}, ${refused.stderr.trim()}\n`);

// The workspace-write sandbox keeps commands off the network unless networkAccess lets them on.
// A local server stands in for the network here.
await using server = createServer((_request, response) => response.end("pong"));
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
const fetchIt = [
  process.execPath,
  "-e",
  "fetch(process.argv[1]).then(() => console.log('reached'), () => console.log('refused'))",
  url,
];
for (const networkAccess of [false, true]) {
  const fetched = await codex.exec(fetchIt, { sandbox: Sandbox.workspaceWrite, networkAccess });
  console.log(`networkAccess ${networkAccess}: ${(await fetched.wait()).stdout.trim()}`);
}
console.log();

// A timeout terminates the command; wait() rejects with what it wrote.
const slow = await codex.exec(["sh", "-c", "echo started; sleep 30"], { timeout: 500 });
try {
  await slow.wait();
} catch (error) {
  if (!(error instanceof CommandAbortedError)) throw error;
  console.log(
    `stopped after 500 ms: exit ${error.result?.exitCode}, wrote ${error.result?.stdout.trim()}`,
  );
}

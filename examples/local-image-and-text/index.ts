/**
 * Text and an image file in one turn: `localImage(path)` names a file on the app-server's
 * machine, which reads it and sends it to the model.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";

import { localImage, text } from "codex-app-server-sdk";
import { squarePng } from "../_shared/png.js";
import { startCodex } from "../_shared/start.js";

await using session = await startCodex();
const { codex, script } = session;
const thread = await codex.threadStart();

const file = path.join(session.workDir, "square.png");
await writeFile(file, squarePng(48, [20, 40, 160], [250, 210, 0]));
console.log(`image file: ${file}`);

script.reply("A yellow square in the middle of a dark blue background.");
const result = await thread.run([
  text("Describe this image in one short sentence."),
  localImage(file),
]);
console.log(`answer: ${result.finalResponse}`);

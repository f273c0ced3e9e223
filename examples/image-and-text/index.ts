/**
 * Text and an image in one turn: the image goes as a `data:` URL, here a PNG made on the spot
 * (a red square on white).
 */
import { image, text } from "codex-app-server-sdk";
import { pngDataUrl, squarePng } from "../_shared/png.js";
import { startCodex } from "../_shared/start.js";

await using session = await startCodex();
const { codex, script } = session;
const thread = await codex.threadStart();

const url = pngDataUrl(squarePng(48, [255, 255, 255], [220, 30, 30]));
console.log(`image: ${url.slice(0, 40)}... (${url.length} characters)`);

script.reply("A red square centred on a white background.");
const result = await thread.run([text("Describe this image in one short sentence."), image(url)]);
console.log(`answer: ${result.finalResponse}`);

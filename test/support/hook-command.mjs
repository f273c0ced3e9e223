// A hook command for the runtime's hooks: `block-prompt` refuses the prompt (UserPromptSubmit),
// `stop` ends the turn (Stop).
const mode = process.argv[2];
process.stdin.resume();
process.stdin.on("end", () => {
  const answer =
    mode === "block-prompt"
      ? { decision: "block", reason: "prompt refused by hook" }
      : { continue: false, stopReason: "hook stopped the turn" };
  process.stdout.write(JSON.stringify(answer));
});

import { execFileSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";

/** A repository with one commit, on branch `main`, and an uncommitted change to `app.js`. */
export async function gitWorkspace(dir: string): Promise<void> {
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, encoding: "utf8" });
  git("init", "-q", "-b", "main");
  git("config", "user.email", "sdk@example.com");
  git("config", "user.name", "SDK test");
  await writeFile(path.join(dir, "app.js"), "export const add = (a, b) => a + b;\n");
  git("add", ".");
  git("commit", "-qm", "add an adder");
  await writeFile(path.join(dir, "app.js"), "export const add = (a, b) => a - b;\n");
}

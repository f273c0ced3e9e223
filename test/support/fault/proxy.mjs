// A relay between the client and the real `codex app-server`, run as the client's child process.
// It spawns the real binary, forwards lines both ways, and drops, delays, rewrites or injects
// lines, or exits, as the test says over the control channel (see proxy.ts). Usage:
//   node proxy.mjs --control 127.0.0.1:PORT [--path-dir DIR] -- BINARY ARGS...
//
// The real server never outlives the relay: it exits when its stdin closes, and its stdin is a pipe
// only the relay holds, so even a SIGKILL of the relay ends it. On any exit path the relay also
// kills it outright.
import { Buffer } from "node:buffer";
import { setTimeout } from "node:timers";
import { spawn } from "node:child_process";
import os from "node:os";
import path from "node:path";
import {
  connectControl,
  exitAfterFlush,
  handleControl,
  lineSplitter,
  parseArgv,
  parseJson,
  writeAction,
  writeTo,
} from "./child-common.mjs";

const argv = parseArgv(process.argv.slice(2));
const [binary, ...binaryArgs] = argv.rest;
if (binary === undefined) throw new Error("usage: proxy.mjs --control ADDR -- BINARY ARGS...");

let config = {};
// Most recently added first: a later rule overrides an earlier one.
let rules = [];
const asks = new Map();
let nextAsk = 1;
let exiting = false;
let child;
let childExited = false;

const control = connectControl(argv.control, "proxy", onCommand, () => {
  if (!exiting) {
    killChild();
    process.exit(70);
  }
});

process.stdout.on("error", () => {});
process.on("exit", killChild);
process.on("SIGTERM", () => {
  control.send({ t: "signal", name: "SIGTERM" });
  if (config.ignoreSigterm) return;
  if (child === undefined || childExited) return void exit(143);
  child.kill("SIGTERM");
  // The child's exit ends the relay; this bounds the wait.
  setTimeout(() => killChild(), 3000).unref();
});

function killChild() {
  if (child !== undefined && !childExited) child.kill("SIGKILL");
}

async function exit(code) {
  if (exiting) return new Promise(() => {});
  exiting = true;
  if (child !== undefined && !childExited) {
    const dead = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await dead;
  }
  return exitAfterFlush(control, code);
}

// Request ids seen in each direction, to name the method a response answers.
const clientRequests = new Map();
const serverRequests = new Map();

function classify(direction, bytes) {
  const message = parseJson(bytes);
  if (typeof message !== "object" || message === null || Array.isArray(message)) {
    return { message: undefined, kind: "invalid", method: undefined, id: undefined };
  }
  const hasId = message.id !== undefined && message.id !== null;
  const id = hasId ? message.id : undefined;
  if (typeof message.method === "string") {
    if (hasId) (direction === "toServer" ? clientRequests : serverRequests).set(id, message.method);
    return { message, kind: hasId ? "request" : "notification", method: message.method, id };
  }
  if (hasId) {
    const requests = direction === "toClient" ? clientRequests : serverRequests;
    const method = requests.get(id);
    requests.delete(id);
    return { message, kind: "response", method, id };
  }
  return { message, kind: "invalid", method: undefined, id: undefined };
}

function matches(match, direction, info) {
  if (match.direction !== undefined && match.direction !== direction) return false;
  if (match.kind !== undefined && match.kind !== info.kind) return false;
  if (match.method !== undefined && match.method !== info.method) return false;
  if (match.id !== undefined && match.id !== info.id) return false;
  return true;
}

function takeRule(direction, info) {
  for (const rule of rules) {
    if (rule.times !== undefined && rule.times <= 0) continue;
    if (!matches(rule.match, direction, info)) continue;
    if (rule.times !== undefined) rule.times--;
    return rule;
  }
  return undefined;
}

function streamFor(direction) {
  return direction === "toClient" ? process.stdout : child?.stdin;
}

async function runWrites(direction, writes) {
  for (const action of writes ?? []) {
    if (action.exit !== undefined) return exit(action.exit);
    const stream = streamFor(direction);
    if (stream === undefined) continue;
    if (!(await writeAction(stream, action))) {
      throw new Error(`unknown write ${JSON.stringify(action)}`);
    }
    if (action.delayMs === undefined) {
      const line =
        action.message !== undefined ? JSON.stringify(action.message) : (action.line ?? undefined);
      control.send({ t: "relay", direction, fate: "injected", line, kind: "injected" });
    }
  }
}

function report(direction, bytes, info, fate) {
  control.send({
    t: "relay",
    direction,
    fate,
    line: bytes.toString("utf8"),
    kind: info.kind,
    method: info.method,
    id: info.id,
  });
}

const withNewline = (bytes) => Buffer.concat([bytes, Buffer.from("\n")]);

async function relay(direction, bytes) {
  const info = classify(direction, bytes);
  const rule = takeRule(direction, info);
  const action = rule?.action ?? {};
  const out = streamFor(direction);
  if (action.exit !== undefined) {
    report(direction, bytes, info, "exit");
    return exit(action.exit);
  }
  if (action.drop) {
    report(direction, bytes, info, "dropped");
  } else if (action.replace !== undefined) {
    report(direction, bytes, info, "replaced");
    await writeTo(out, JSON.stringify(action.replace) + "\n");
  } else if (action.ask) {
    const ask = nextAsk++;
    const answered = new Promise((resolve) => asks.set(ask, resolve));
    control.send({ t: "ask", ask, rewriter: action.ask, line: bytes.toString("utf8") });
    const answer = await answered;
    if (answer.drop) report(direction, bytes, info, "dropped");
    else {
      report(direction, bytes, info, "rewritten");
      await writeTo(out, JSON.stringify(answer.message) + "\n");
    }
  } else if (action.delayMs !== undefined) {
    report(direction, bytes, info, "delayed");
    const later = new Promise((resolve) => setTimeout(resolve, action.delayMs)).then(() =>
      writeTo(streamFor(direction), withNewline(bytes)),
    );
    if (action.keepOrder !== false) await later;
  } else {
    report(direction, bytes, info, "forwarded");
    await writeTo(out, withNewline(bytes));
  }
  await runWrites("toClient", rule?.inject?.toClient);
  await runWrites("toServer", rule?.inject?.toServer);
}

// Each direction is one ordered queue: a held line holds the ones behind it.
const chains = { toClient: Promise.resolve(), toServer: Promise.resolve() };
function enqueue(direction, job) {
  const done = chains[direction].then(job);
  chains[direction] = done.catch((err) => control.send({ t: "error", message: String(err) }));
  return done;
}

function onCommand(message) {
  return handleControl(message, { asks, command, control });
}

async function command(cmd) {
  switch (cmd.op) {
    case "rule":
      rules.unshift(cmd.rule);
      return;
    case "clearRules":
      rules = [];
      return;
    case "exit":
      return exit(cmd.code);
    case "write":
      return enqueue(cmd.direction, () => runWrites(cmd.direction, cmd.actions));
    case "sync":
      // Its acknowledgement follows the reports of every line relayed so far.
      return;
    default:
      throw new Error(`unknown command ${cmd.op}`);
  }
}

config = await control.config;
for (const rule of config.rules ?? []) rules.unshift(rule);

const env = { ...process.env };
if (argv.pathDir !== undefined) {
  env.PATH = [argv.pathDir, ...(env.PATH ?? "").split(path.delimiter).filter(Boolean)].join(
    path.delimiter,
  );
}
child = spawn(binary, binaryArgs, { env, stdio: ["pipe", "pipe", "inherit"] });
child.stdin.on("error", () => {});
let childStdoutEnded;
const stdoutEnded = new Promise((resolve) => (childStdoutEnded = resolve));
child.on("error", (err) => {
  control.send({ t: "error", message: `could not spawn ${binary}: ${err.message}` });
  childExited = true;
  void exit(127);
});
child.on("exit", (code, signal) => {
  childExited = true;
  control.send({ t: "childExit", code, signal });
  // Once the child's output is relayed, leave with its code.
  const status = code ?? 128 + (os.constants.signals[signal] ?? 0);
  const drained = Promise.race([stdoutEnded, new Promise((r) => setTimeout(r, 250))]);
  void drained.then(() => chains.toClient).then(() => exit(status));
});
control.send({ t: "child", pid: child.pid });
// Commands the test gave before the relay started, in order (rules take effect at once).
for (const cmd of config.queued ?? []) {
  command(cmd).catch((err) => control.send({ t: "error", message: String(err) }));
}

const fromServer = lineSplitter((line) => enqueue("toClient", () => relay("toClient", line)));
child.stdout.on("data", (chunk) => fromServer.push(chunk));
child.stdout.on("end", () => {
  const rest = fromServer.end();
  if (rest !== undefined && rest.length > 0) enqueue("toClient", () => relay("toClient", rest));
  childStdoutEnded();
});

const fromClient = lineSplitter((line) => enqueue("toServer", () => relay("toServer", line)));
process.stdin.on("data", (chunk) => fromClient.push(chunk));
process.stdin.on("end", () => {
  const rest = fromClient.end();
  if (rest !== undefined && rest.length > 0) enqueue("toServer", () => relay("toServer", rest));
  control.send({ t: "stdinEnd" });
  // The client hung up: pass that on once everything before it is relayed.
  void chains.toServer.then(() => child.stdin.end());
});

// A scripted stand-in for `codex app-server`, run as the client's child process. It speaks
// newline-delimited JSON-RPC on stdio and follows what the test tells it over the control channel
// (see standin.ts for the API and the message shapes). Usage:
//   node standin.mjs --control 127.0.0.1:PORT
import { setTimeout } from "node:timers";
import os from "node:os";
import {
  connectControl,
  exitAfterFlush,
  handleControl,
  lineSplitter,
  parseArgv,
  parseJson,
  writeAction,
} from "./child-common.mjs";

const argv = parseArgv(process.argv.slice(2));
let config = {};
// Replies by method: a list used in order, the last one repeating.
const replies = new Map();
const asks = new Map();
let nextAsk = 1;
let exiting = false;

const control = connectControl(argv.control, "standin", onCommand, () => {
  // The test is gone: nobody can stop us any more, so stop now.
  if (!exiting) process.exit(70);
});

process.on("SIGTERM", () => {
  control.send({ t: "signal", name: "SIGTERM" });
  if (config.slowExitMs !== undefined) {
    // A graceful shutdown: output closed at once, the exit some time later.
    process.stdout.end();
    setTimeout(() => void exit(0), config.slowExitMs);
  } else if (!config.ignoreSigterm) void exit(143);
});
process.stdout.on("error", () => {});

function exit(code) {
  if (exiting) return new Promise(() => {});
  exiting = true;
  return exitAfterFlush(control, code);
}

function defaultInitialize(params) {
  const client = params?.clientInfo ?? {};
  const name = typeof client.name === "string" ? client.name : "unknown_client";
  const clientVersion = typeof client.version === "string" ? client.version : "0.0.0";
  const version = config.version ?? "0.0.0";
  const arch = { x64: "x86_64", arm64: "aarch64" }[os.arch()] ?? os.arch();
  return {
    result: {
      userAgent: `${name}/${version} (Stand-in; ${arch}) standin (${name}; ${clientVersion})`,
      codexHome: config.codexHome ?? os.tmpdir(),
      platformFamily: process.platform === "win32" ? "windows" : "unix",
      platformOs: process.platform === "darwin" ? "macos" : process.platform,
    },
  };
}

function takeReply(method) {
  const list = replies.get(method);
  if (list === undefined || list.length === 0) return undefined;
  return list.length > 1 ? list.shift() : list[0];
}

async function runActions(actions) {
  for (const action of actions ?? []) {
    if (action.exit !== undefined) {
      await exit(action.exit);
    } else if (action.closeStdout) {
      await new Promise((resolve) => process.stdout.end(resolve));
    } else if (!(await writeAction(process.stdout, action))) {
      throw new Error(`unknown action ${JSON.stringify(action)}`);
    }
  }
}

async function perform(message, reply, index) {
  if (reply.ask) {
    const ask = nextAsk++;
    const answered = new Promise((resolve) => asks.set(ask, resolve));
    control.send({ t: "ask", ask, index });
    reply = await answered;
  }
  if (reply.delayMs !== undefined) await new Promise((r) => setTimeout(r, reply.delayMs));
  await serially(async () => {
    if (reply.exit !== undefined) return exit(reply.exit);
    const isRequest = message.id !== undefined && message.id !== null;
    if (isRequest && !reply.drop) {
      const answer =
        reply.error !== undefined
          ? { id: message.id, error: reply.error }
          : { id: message.id, result: reply.result ?? {} };
      await writeAction(process.stdout, { message: answer });
    }
    if (message.method === "initialize") await runActions(config.afterInitialize);
    await runActions(reply.then);
  });
}

// Writes happen one job at a time, in the order the jobs were queued, so a reply and the lines
// scripted after it are never split by another reply.
let outChain = Promise.resolve();
function serially(job) {
  const done = outChain.then(job);
  outChain = done.catch(() => {});
  return done;
}

let lineIndex = 0;
function onClientLine(bytes) {
  const index = lineIndex++;
  control.send({ t: "client", line: bytes.toString("utf8") });
  const message = parseJson(bytes);
  if (typeof message !== "object" || message === null || typeof message.method !== "string") {
    return; // responses to our requests and junk are only recorded
  }
  const isRequest = message.id !== undefined && message.id !== null;
  let reply = takeReply(message.method);
  if (reply === undefined && message.method === "initialize") {
    reply = config.initialize ?? defaultInitialize(message.params);
  }
  if (reply === undefined) {
    if (!isRequest) return;
    reply = config.defaultReply ?? {
      error: { code: -32601, message: `stand-in has no reply for ${message.method}` },
    };
  }
  perform(message, reply, index).catch((err) => {
    control.send({ t: "error", message: String(err?.stack ?? err) });
  });
}

function onCommand(message) {
  return handleControl(message, { asks, command, control });
}

async function command(cmd) {
  if (cmd.op === "write") return serially(() => runActions(cmd.actions));
  if (cmd.op === "reply") return void replies.set(cmd.method, [...cmd.replies]);
  // Its acknowledgement follows the reports of every line read so far.
  if (cmd.op === "sync") return;
  throw new Error(`unknown command ${cmd.op}`);
}

config = await control.config;
for (const [method, list] of Object.entries(config.replies ?? {})) replies.set(method, [...list]);
for (const cmd of config.queued ?? []) await command(cmd);

const lines = lineSplitter(onClientLine);
process.stdin.on("data", (chunk) => lines.push(chunk));
process.stdin.on("end", () => {
  const rest = lines.end();
  if (rest !== undefined && rest.length > 0) onClientLine(rest);
  control.send({ t: "stdinEnd" });
  // Like the real server: the client closing our stdin ends us.
  if (!config.stayAfterStdinEnd) void serially(() => exit(0));
});

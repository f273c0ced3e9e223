import { defaultAnswer } from "./answers.js";
import type {
  CommandExecutionApprovalKind,
  CommandExecutionRequestApprovalParams,
} from "./generated/index.js";
import { shown, type ReadOnly } from "./internal/validate.js";
import type { ApprovalHandlers, ServerRequestHandler } from "./server-requests.js";

/**
 * Approval handlers with every kind given, as `acceptAll()` and `declineAll()` return them: one
 * can be called from a handler of one's own without a check.
 */
export type EveryApprovalHandler = {
  readonly [Kind in keyof ApprovalHandlers]-?: NonNullable<ApprovalHandlers[Kind]>;
};

/** Ready-made approval policies. */
export const approvalPolicies = {
  /**
   * Accepts every command, file change, permission request and MCP tool call. Use only in a
   * sandbox you trust. A permission request is granted every kind it asks for that the pinned
   * runtime grants (`network`, `fileSystem`), as asked: a kind a newer runtime asks for is not,
   * nor a part holding what the pinned runtime does not know (a newer field, which may narrow it).
   */
  acceptAll(): EveryApprovalHandler {
    return {
      commandExecution: () => ({ decision: "accept" }),
      fileChange: () => ({ decision: "accept" }),
      // The checks of an answer, which the handler's answer loads anyway, tell what is known.
      permissions: async ({ permissions }) => {
        const { grantableParts } = await import("./answer-checks.js");
        return { permissions: grantableParts(permissions), scope: "turn" };
      },
      execCommand: () => ({ decision: "approved" }),
      applyPatch: () => ({ decision: "approved" }),
      mcpToolCall: () => ({ action: "accept", content: {} }),
    };
  },
  /** Declines everything (the same as giving no handler, but explicit). */
  declineAll(): EveryApprovalHandler {
    return {
      commandExecution: () => defaultAnswer("item/commandExecution/requestApproval"),
      fileChange: () => defaultAnswer("item/fileChange/requestApproval"),
      permissions: () => defaultAnswer("item/permissions/requestApproval"),
      execCommand: () => defaultAnswer("execCommandApproval"),
      applyPatch: () => defaultAnswer("applyPatchApproval"),
      mcpToolCall: () => defaultAnswer("mcpServer/elicitation/request"),
    };
  },
  /**
   * Accepts a command when every command in it matches `allow`, and declines the rest. It only
   * answers command approvals: other kinds go to their own handlers or their defaults (declined).
   * A string rule matches that program with any arguments (`"git status"` matches
   * `git status -s`) but never a command holding shell operators such as `;`, `&&`, `|`, `>` or
   * `$(`; a RegExp or function sees the raw command, and a function accepts it by returning
   * `true`, or a promise of `true` (the answer then waits for it; a rejection declines, logged).
   * A rule of any other kind is a `TypeError` here, not a failure on each request. Input for a
   * running command (`kind: "writeStdin"`) is declined whatever the command: no rule sees it.
   */
  allowCommands(
    allow: ReadonlyArray<string | RegExp | ((command: string) => boolean | PromiseLike<boolean>)>,
  ): {
    /** Accepts the command when every command in it matches a rule; declines it otherwise. */
    readonly commandExecution: ServerRequestHandler<"item/commandExecution/requestApproval">;
  } {
    const name = "approvalPolicies.allowCommands: allow";
    if (!Array.isArray(allow)) {
      throw new TypeError(`${name} must be an array of rules, got ${shown(allow)}`);
    }
    // Array.from visits holes too, so none is left unchecked.
    const rules = Array.from(allow as unknown[], (rule, i) => ruleOf(rule, `${name}[${i}]`));
    return {
      commandExecution: (params) => {
        // Input for a running terminal (`writeStdin`), or a kind a newer runtime asks about, is
        // no command to run: the rules, which judge the command alone, cannot judge it.
        if (!COMMAND_KINDS.has(params.kind ?? "command")) return decision(false);
        const commands = commandsOf(params);
        const verdict = commands.length > 0 && allAllowed(commands, rules);
        return typeof verdict === "boolean" ? decision(verdict) : verdict.then(decision);
      },
    };
  },
} as const;

/**
 * What a string rule can match: words of plain ASCII characters, spaces between them, and quotes,
 * inside which none of these characters means anything more. Everything else may make the shell
 * run or reach more than the words say: operators (`;`, `|`, `&`, `>`), every expansion (`$`,
 * which runs code through `${x@P}`, `$[...]` or `${!x}` without a `$(`; backticks; `~`), globs and
 * their qualifiers (`*`, `?`, `[`, `(`), braces, escapes, comments, and any other character,
 * control and non-ASCII ones included.
 */
const PLAIN = /^[A-Za-z0-9 _./,:=@%+'"-]*$/;

// What a rule says of a command: only `true` (or a promise of it) accepts.
type Rule = (command: string) => unknown;

// The approvals of a command to run: the model's, and one the user typed (an older server sends
// no kind).
const COMMAND_KINDS: ReadonlySet<unknown> = new Set<CommandExecutionApprovalKind>([
  "command",
  "humanCommand",
]);

function decision(accept: boolean): { decision: "accept" | "decline" } {
  return { decision: accept ? "accept" : "decline" };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

/**
 * Whether every command matches a rule, rules tried in order and each command's search stopped
 * at its first match. Synchronous while the rules are; from the first rule that answers with a
 * promise on, the rest is awaited in the same order (a rejection rejects the whole).
 */
function allAllowed(
  commands: readonly string[],
  rules: readonly Rule[],
): boolean | Promise<boolean> {
  for (let c = 0; c < commands.length; c++) {
    let matched = false;
    for (let r = 0; r < rules.length && !matched; r++) {
      const verdict = rules[r]!(commands[c]!);
      if (isThenable(verdict)) return allAllowedFrom(commands, rules, c, r, verdict);
      matched = verdict === true;
    }
    if (!matched) return false;
  }
  return true;
}

/** `allAllowed` from rule `r` of command `c`, whose verdict is `pending`. */
async function allAllowedFrom(
  commands: readonly string[],
  rules: readonly Rule[],
  c: number,
  r: number,
  pending: PromiseLike<unknown>,
): Promise<boolean> {
  let verdict = await pending;
  for (;;) {
    if (verdict === true) {
      if (++c === commands.length) return true;
      r = 0;
    } else if (++r === rules.length) {
      return false;
    }
    verdict = await rules[r]!(commands[c]!);
  }
}

function ruleOf(rule: unknown, name: string): Rule {
  if (typeof rule === "string" && rule !== "") {
    // A command made of these characters only can never start with such a rule.
    if (!PLAIN.test(rule)) {
      throw new TypeError(
        `${name} (${shown(rule)}) holds a character no plain command has: a string rule is ` +
          "letters, digits, spaces and _ . / , : = @ % + - ' \"; use a RegExp or a function",
      );
    }
    return (command) => PLAIN.test(command) && (command === rule || command.startsWith(`${rule} `));
  }
  if (rule instanceof RegExp) {
    // With `g` or `y`, `test` starts where the last match ended, so the same command would be
    // accepted only every other time: a copy without them matches from the start each time.
    const pattern = new RegExp(rule.source, rule.flags.replace(/[gy]/g, ""));
    return (command) => pattern.test(command);
  }
  // Only `true`, or a promise of it, accepts (another truthy value does not).
  if (typeof rule === "function") return rule as Rule;
  throw new TypeError(
    `${name} must be a non-empty string, a RegExp or a function, got ${shown(rule)}`,
  );
}

// How the server writes a shell command: `/bin/bash -lc '<script>'`, quoted only when needed
// (`/bin/bash -lc pwd`: one word of characters that need no quoting). Only these forms, and a
// shell of the system's own (not `./bash`), are taken apart; any other is judged as written.
const SHELL_WRAPPER = /^(?:(?:\/usr)?\/bin\/)?(?:ba|z)?sh -l?c (?:'([^']*)'|([\w@%+=:,./-]+))$/;

/**
 * The commands an approval request would run (or a `commandExecution` item ran, which has the
 * same two fields): the server's parsed `commandActions` (the inner commands), else the raw
 * `command` without its `bash -lc` wrapper. A command holding anything
 * but plain words (shell operators, expansions, globs, escapes) is one command, whole: the
 * server's parse of a pipeline can drop its tail (it parses `ls | tee out` as `ls`). So is a
 * command whose `commandActions` are not all commands with their text: a partial list must not
 * pass for the whole. An approval of `kind: "writeStdin"` runs none of them: it sends input to the
 * command already running, which they are; a policy should look at `kind` first.
 */
export function commandsOf(
  params: ReadOnly<Pick<CommandExecutionRequestApprovalParams, "command" | "commandActions">>,
): string[] {
  if (typeof params !== "object" || params === null) {
    throw new TypeError(`params must be a command approval request's params, got ${shown(params)}`);
  }
  const raw = typeof params.command === "string" ? params.command : "";
  const wrapped = SHELL_WRAPPER.exec(raw);
  const script = wrapped === null ? raw : (wrapped[1] ?? wrapped[2]!);
  if (!PLAIN.test(script)) return [script];
  const actions: unknown = params.commandActions ?? [];
  // Array.from visits holes too: a list with one is not all commands.
  if (Array.isArray(actions) && actions.length > 0) {
    const commands = Array.from(actions as unknown[], (action) =>
      hasCommand(action) ? action.command : undefined,
    );
    if (!commands.includes(undefined)) return commands as string[];
  }
  return script === "" ? [] : [script];
}

function hasCommand(action: unknown): action is { command: string } {
  return typeof (action as { command?: unknown } | null)?.command === "string";
}

import { DEFAULT_ANSWERS } from "./answers.js";
import type { CommandExecutionRequestApprovalParams } from "./generated/index.js";
import type { ApprovalHandlers } from "./server-requests.js";

/** Ready-made approval policies. */
export const approvalPolicies = {
  /** Accepts every command, file change and permission request. Use only in a sandbox you trust. */
  acceptAll(): ApprovalHandlers {
    return {
      commandExecution: () => ({ decision: "accept" }),
      fileChange: () => ({ decision: "accept" }),
      permissions: (params) => ({ permissions: params.permissions as never, scope: "turn" }),
      execCommand: () => ({ decision: "approved" }),
      applyPatch: () => ({ decision: "approved" }),
    };
  },
  /** Declines everything (the same as giving no handler, but explicit). */
  declineAll(): ApprovalHandlers {
    return {
      commandExecution: () => DEFAULT_ANSWERS["item/commandExecution/requestApproval"],
      fileChange: () => DEFAULT_ANSWERS["item/fileChange/requestApproval"],
      permissions: () => DEFAULT_ANSWERS["item/permissions/requestApproval"],
      execCommand: () => DEFAULT_ANSWERS.execCommandApproval as never,
      applyPatch: () => DEFAULT_ANSWERS.applyPatchApproval as never,
    };
  },
  /**
   * Accepts a command when every command in it matches `allow`, and declines the rest. It only
   * answers command approvals: other kinds go to their own handlers or their defaults (declined).
   * A string rule matches that program with
   * any arguments (`"git status"` matches `git status -s`) but never a command holding shell
   * operators such as `;`, `&&`, `|`, `>` or `$(`; a RegExp or function sees the raw command.
   */
  allowCommands(
    allow: ReadonlyArray<string | RegExp | ((command: string) => boolean)>,
  ): Required<Pick<ApprovalHandlers, "commandExecution">> {
    const allowed = (command: string) =>
      allow.some((rule) =>
        typeof rule === "string"
          ? !SHELL_OPERATORS.test(command) && (command === rule || command.startsWith(`${rule} `))
          : rule instanceof RegExp
            ? rule.test(command)
            : rule(command),
      );
    return {
      commandExecution: (params) => {
        const commands = commandsOf(params);
        const ok = commands.length > 0 && commands.every(allowed);
        return { decision: ok ? "accept" : "decline" };
      },
    };
  },
} as const;

// \x60 is the backtick of command substitution.
const SHELL_OPERATORS = /[;&|<>\x60\n]|\$\(/;

/**
 * The commands an approval request would run: the server's parsed `commandActions` (the inner
 * commands, without the `bash -lc` wrapper), else the raw `command`.
 */
export function commandsOf(params: CommandExecutionRequestApprovalParams): string[] {
  const actions = params.commandActions ?? [];
  if (actions.length > 0) return actions.map((action) => action.command);
  return typeof params.command === "string" && params.command !== "" ? [params.command] : [];
}

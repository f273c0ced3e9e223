import { MethodNotFoundError } from "./errors.js";
import type {
  CommandExecutionRequestApprovalParams,
  DynamicToolCallOutputContentItem,
  DynamicToolCallResponse,
  DynamicToolSpec,
  JsonValue,
  RequestId,
  ServerRequestMap,
  ServerRequestMethod,
} from "./generated/index.js";
import type { JsonInput } from "./options.js";
import type { RawNotification, RawServerRequest } from "./rpc/connection.js";
import type { Router } from "./rpc/router.js";

/** What a server-request handler learns besides the request's params. */
export interface ServerRequestContext {
  /** The JSON-RPC id of the request (opaque; may be `0`). */
  readonly requestId: RequestId;
  readonly method: ServerRequestMethod;
  readonly threadId: string | undefined;
  readonly turnId: string | undefined;
  /** Aborts when the server withdraws the request (`serverRequest/resolved`), the turn ends, or the handler times out. */
  readonly signal: AbortSignal;
}

/** Answers one kind of server request. */
export type ServerRequestHandler<M extends ServerRequestMethod> = (
  params: ServerRequestMap[M]["params"],
  context: ServerRequestContext,
) => ServerRequestMap[M]["result"] | Promise<ServerRequestMap[M]["result"]>;

/** Handlers for the approval requests; a missing one declines. */
export interface ApprovalHandlers {
  /** `item/commandExecution/requestApproval`: run this command? */
  readonly commandExecution?: ServerRequestHandler<"item/commandExecution/requestApproval">;
  /** `item/fileChange/requestApproval`: apply this patch? */
  readonly fileChange?: ServerRequestHandler<"item/fileChange/requestApproval">;
  /** `item/permissions/requestApproval`: grant extra permissions? */
  readonly permissions?: ServerRequestHandler<"item/permissions/requestApproval">;
  /** Legacy `execCommandApproval`. */
  readonly execCommand?: ServerRequestHandler<"execCommandApproval">;
  /** Legacy `applyPatchApproval`. */
  readonly applyPatch?: ServerRequestHandler<"applyPatchApproval">;
}

/** Every handler for requests the server sends to the client. */
export interface ServerRequestHandlers {
  readonly approvals?: ApprovalHandlers;
  /** `item/tool/requestUserInput`: the agent asks the user questions. Default: cancelled (no answers). */
  readonly onUserInput?: ServerRequestHandler<"item/tool/requestUserInput">;
  /** `mcpServer/elicitation/request`: an MCP server asks for input. Default: cancelled. */
  readonly onElicitation?: ServerRequestHandler<"mcpServer/elicitation/request">;
}

/** A JavaScript function offered to the model as a tool (`dynamicTools` on thread start). */
export interface DynamicTool {
  readonly name: string;
  readonly description: string;
  /** JSON Schema of the arguments object. */
  readonly inputSchema: JsonInput;
  /**
   * Runs the tool. A string becomes one text item; an array is sent as content items; any
   * other value is sent as its JSON text. A throw is reported to the model as a failed call.
   */
  readonly handler: (args: JsonValue, context: ServerRequestContext) => unknown | Promise<unknown>;
}

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
      commandExecution: () => DECLINE["item/commandExecution/requestApproval"],
      fileChange: () => DECLINE["item/fileChange/requestApproval"],
      permissions: () => DECLINE["item/permissions/requestApproval"],
      execCommand: () => DECLINE.execCommandApproval as never,
      applyPatch: () => DECLINE.applyPatchApproval as never,
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

const SHELL_OPERATORS = /[;&|<>`\n]|\$\(/;

/**
 * The commands an approval request would run: the server's parsed `commandActions` (the inner
 * commands, without the `bash -lc` wrapper), else the raw `command`.
 */
export function commandsOf(params: CommandExecutionRequestApprovalParams): string[] {
  const actions = params.commandActions ?? [];
  if (actions.length > 0) return actions.map((action) => action.command);
  return typeof params.command === "string" && params.command !== "" ? [params.command] : [];
}

/** The answers given when there is no handler, or the handler failed: nothing is allowed. */
export const DECLINE = {
  "item/commandExecution/requestApproval": { decision: "decline" },
  "item/fileChange/requestApproval": { decision: "decline" },
  "item/permissions/requestApproval": { permissions: {}, scope: "turn" },
  "item/tool/requestUserInput": { answers: {} },
  "mcpServer/elicitation/request": { action: "cancel", content: null, _meta: null },
  execCommandApproval: { decision: { denied: { rejection: "declined by the client" } } },
  applyPatchApproval: { decision: { denied: { rejection: "declined by the client" } } },
} as const satisfies Partial<{ [M in ServerRequestMethod]: ServerRequestMap[M]["result"] }>;

type Handled = keyof typeof DECLINE;

function handlerFor(
  handlers: ServerRequestHandlers | undefined,
  method: Handled,
): ServerRequestHandler<never> | undefined {
  if (handlers === undefined) return undefined;
  const approvals = handlers.approvals;
  const found =
    method === "item/commandExecution/requestApproval"
      ? approvals?.commandExecution
      : method === "item/fileChange/requestApproval"
        ? approvals?.fileChange
        : method === "item/permissions/requestApproval"
          ? approvals?.permissions
          : method === "execCommandApproval"
            ? approvals?.execCommand
            : method === "applyPatchApproval"
              ? approvals?.applyPatch
              : method === "item/tool/requestUserInput"
                ? handlers.onUserInput
                : handlers.onElicitation;
  return found as ServerRequestHandler<never> | undefined;
}

/** The wire spec of a dynamic tool. */
export function toolSpec(tool: DynamicTool): DynamicToolSpec {
  if (typeof tool?.name !== "string" || tool.name === "" || typeof tool.handler !== "function") {
    throw new TypeError("each tool needs a non-empty name and a handler function");
  }
  return {
    type: "function",
    name: tool.name,
    description: tool.description ?? "",
    inputSchema: (tool.inputSchema ?? { type: "object", properties: {} }) as JsonValue,
  };
}

function toolOutput(value: unknown): DynamicToolCallOutputContentItem[] {
  if (typeof value === "string") return [{ type: "inputText", text: value }];
  if (Array.isArray(value)) return value as DynamicToolCallOutputContentItem[];
  return [{ type: "inputText", text: JSON.stringify(value ?? null) }];
}

/** A failed request answered by its default, as reported on the turn's stream. */
export interface HandlerErrorEvent {
  readonly method: "client/handlerError";
  readonly params: {
    readonly requestId: RequestId;
    readonly requestMethod: string;
    readonly threadId: string | undefined;
    readonly turnId: string | undefined;
    readonly message: string;
    /** What was sent instead (the default answer). */
    readonly answer: unknown;
  };
}

/** Options of the dispatcher that answers server requests. */
export interface DispatcherOptions extends ServerRequestHandlers {
  /** How long a handler may take before its request is answered with the default; default 300 000 ms, 0 for none. */
  readonly serverRequestTimeout?: number;
  /** Answers `account/chatgptAuthTokens/refresh`. */
  readonly onChatgptTokenRefresh?: ServerRequestHandler<"account/chatgptAuthTokens/refresh">;
}

interface Inflight {
  readonly controller: AbortController;
  readonly turnId: string | undefined;
  /** The server no longer wants an answer (it resolved the request, or the turn ended). */
  withdrawn: boolean;
}

/**
 * Answers every server request: from the turn's handlers, else the thread's, else the client's,
 * else the safe default. Never leaves one unanswered.
 */
export class ServerRequestDispatcher {
  private readonly threadHandlers = new Map<string, ServerRequestHandlers>();
  private readonly turnHandlers = new Map<string, ServerRequestHandlers>();
  private readonly threadTools = new Map<string, Map<string, DynamicTool>>();
  private readonly inflight = new Map<RequestId, Inflight>();

  constructor(
    private readonly router: Router,
    private readonly options: DispatcherOptions = {},
  ) {
    router.on("serverRequest/resolved", (n) => {
      const { requestId } = n.params as { requestId: RequestId };
      const entry = this.inflight.get(requestId);
      if (entry === undefined) return;
      entry.withdrawn = true;
      entry.controller.abort(new Error("the server withdrew the request"));
    });
    router.on("turn/completed", (n) => {
      const turnId = (n.params as { turn: { id: string } }).turn.id;
      this.turnHandlers.delete(turnId);
      for (const entry of this.inflight.values()) {
        if (entry.turnId !== turnId) continue;
        entry.withdrawn = true;
        entry.controller.abort(new Error("the turn ended"));
      }
    });
  }

  /** Handlers for one thread, overriding the client's. */
  setThreadHandlers(threadId: string, handlers: ServerRequestHandlers | undefined): void {
    if (handlers === undefined) this.threadHandlers.delete(threadId);
    else this.threadHandlers.set(threadId, handlers);
  }

  /** Handlers for one turn, overriding the thread's; dropped when the turn completes. */
  setTurnHandlers(turnId: string, handlers: ServerRequestHandlers): void {
    this.turnHandlers.set(turnId, handlers);
  }

  /** The functions behind a thread's dynamic tools. */
  setThreadTools(threadId: string, tools: readonly DynamicTool[]): void {
    this.threadTools.set(threadId, new Map(tools.map((tool) => [tool.name, tool])));
  }

  /** Answers one request; the connection writes what this resolves with or throws. */
  handle = async (request: RawServerRequest): Promise<unknown> => {
    const method = request.method as ServerRequestMethod;
    const params = (request.params ?? {}) as Record<string, unknown>;
    const threadId = typeof params.threadId === "string" ? params.threadId : undefined;
    const turnId = typeof params.turnId === "string" ? params.turnId : undefined;
    const controller = new AbortController();
    const context: ServerRequestContext = {
      requestId: request.id,
      method,
      threadId,
      turnId,
      signal: controller.signal,
    };
    if (turnId !== undefined) {
      const event = { method, params: request.params, requestId: request.id };
      this.router.trackServerRequest(request.id, turnId, event as RawNotification);
    }

    const { run, fallback } = this.resolve(method, params, context);
    if (run === undefined) {
      if (fallback === undefined) {
        throw new MethodNotFoundError(-32601, `the client does not handle ${request.method}`);
      }
      return fallback(undefined);
    }

    const entry: Inflight = { controller, turnId, withdrawn: false };
    this.inflight.set(request.id, entry);
    const timeoutMs = this.options.serverRequestTimeout ?? 300_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      const outcome = await Promise.race([
        Promise.resolve().then(run),
        new Promise<never>((_, reject) => {
          const onAbort = () => reject(controller.signal.reason);
          controller.signal.addEventListener("abort", onAbort, { once: true });
          if (timeoutMs > 0) {
            timer = setTimeout(
              () => controller.abort(new Error(`handler timed out after ${timeoutMs} ms`)),
              timeoutMs,
            );
          }
        }),
      ]);
      return outcome;
    } catch (err) {
      if (fallback === undefined) throw err;
      const message = err instanceof Error ? err.message : String(err);
      const answer = fallback(message);
      // A withdrawn request still gets an answer, but it is not the handler's failure.
      if (entry.withdrawn) return answer;
      this.router.injectTurnEvent(turnId, {
        method: "client/handlerError",
        params: {
          requestId: request.id,
          requestMethod: request.method,
          threadId,
          turnId,
          message,
          answer,
        },
      } satisfies HandlerErrorEvent);
      return answer;
    } finally {
      clearTimeout(timer);
      this.inflight.delete(request.id);
      if (!controller.signal.aborted) controller.abort(new Error("the request was answered"));
    }
  };

  // Picks the handler (turn, then thread, then client) and the default answer for a method.
  private resolve(
    method: ServerRequestMethod,
    params: Record<string, unknown>,
    context: ServerRequestContext,
  ): { run: (() => unknown) | undefined; fallback: ((error?: string) => unknown) | undefined } {
    if (method === "item/tool/call") {
      const call = params as unknown as ServerRequestMap["item/tool/call"]["params"];
      const tool =
        context.threadId === undefined
          ? undefined
          : this.threadTools.get(context.threadId)?.get(call.tool);
      const failed = (message: string): DynamicToolCallResponse => ({
        contentItems: [{ type: "inputText", text: message }],
        success: false,
      });
      if (tool === undefined) {
        return {
          run: undefined,
          fallback: () => failed(`no tool named ${call.tool} is registered`),
        };
      }
      return {
        run: async () => ({
          contentItems: toolOutput(await tool.handler(call.arguments, context)),
          success: true,
        }),
        fallback: (error) => failed(`tool ${call.tool} failed: ${error}`),
      };
    }
    if (method === "account/chatgptAuthTokens/refresh") {
      const handler = this.options.onChatgptTokenRefresh;
      return {
        run: handler && (() => handler(params as never, context)),
        fallback: undefined,
      };
    }
    if (!Object.hasOwn(DECLINE, method)) return { run: undefined, fallback: undefined };
    const handled = method as Handled;
    const handler =
      handlerFor(context.turnId ? this.turnHandlers.get(context.turnId) : undefined, handled) ??
      handlerFor(
        context.threadId ? this.threadHandlers.get(context.threadId) : undefined,
        handled,
      ) ??
      handlerFor(this.options, handled);
    return {
      run: handler && (() => handler(params as never, context)),
      fallback: () => DECLINE[handled],
    };
  }
}

/** The server-request handlers among some options, or `undefined` when there are none. */
export function pickHandlers(
  options: ServerRequestHandlers | undefined,
): ServerRequestHandlers | undefined {
  if (options === undefined) return undefined;
  const { approvals, onUserInput, onElicitation } = options;
  if (approvals === undefined && onUserInput === undefined && onElicitation === undefined) {
    return undefined;
  }
  return { approvals, onUserInput, onElicitation };
}

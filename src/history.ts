import {
  CodexError,
  InvalidRequestError,
  JsonRpcError,
  mapJsonRpcError,
  MethodNotFoundError,
  RequestTimeoutError,
  TransportClosedError,
} from "./errors.js";
import type {
  ClientRequestMethod,
  SortDirection,
  ThreadItemEntry,
  ThreadItemOutputDeferral,
  ThreadItemsListCursor,
  ThreadItemsListParams,
  ThreadItemsListResponse,
  ThreadListParams,
  ThreadListResponse,
  ThreadReadResponse,
  Thread as ThreadRecord,
  ThreadTurnsListParams,
  ThreadTurnsListResponse,
  Turn,
  TurnItemsView,
} from "./generated/index.js";
import {
  THREAD_ITEMS_LIST_PARAMS_FIELDS,
  THREAD_ITEMS_LIST_PARAMS_KEYS,
  THREAD_LIST_PARAMS_FIELDS,
  THREAD_LIST_PARAMS_KEYS,
  THREAD_TURNS_LIST_PARAMS_FIELDS,
  THREAD_TURNS_LIST_PARAMS_KEYS,
} from "./generated/index.js";
import {
  checkBoolean,
  checkJson,
  checkNonEmpty,
  checkOptionNames,
  describe,
  dropUndefined,
  isPlainObject,
  optionNames,
  shown,
  REQUEST_KEYS,
  snapshot,
  splitRequestOptions,
  type OptionNames,
  type RequestOptions,
  type WireOptions,
} from "./internal/validate.js";
import { callLeft, now, signalWithin } from "./internal/deadline.js";
import { plainText } from "./internal/plain.js";
import type { Log } from "./internal/logger.js";
import { asOneCall } from "./rpc/bound-wait.js";
import type { Connection } from "./rpc/connection.js";

/** Options of `Thread.turns` and `Thread.turnList`. */
export interface TurnListOptions extends RequestOptions {
  /** Where to start: a `nextCursor` (or `backwardsCursor`) of an earlier page. */
  readonly cursor?: string | null | undefined;
  /** Turns per page (an integer of at least 1); default the server's. */
  readonly limit?: number | null | undefined;
  /** `"desc"` (default, newest first) or `"asc"`. */
  readonly sortDirection?: SortDirection | null | undefined;
  /** How much of each turn's items to include: `"summary"` (default), `"full"` or `"notLoaded"`. */
  readonly itemsView?: TurnItemsView | null | undefined;
}

/** Options of `Thread.items` and `Thread.itemList`. */
export interface ItemListOptions extends RequestOptions {
  /** Only the items of this turn; default the whole thread. */
  readonly turnId?: string | null | undefined;
  /** Where to start: a `nextCursor` of an earlier page, or an item anchor within `turnId`. */
  readonly cursor?: ThreadItemsListCursor | null | undefined;
  /** Items per page (an integer of at least 1); default the server's. */
  readonly limit?: number | null | undefined;
  /** `"asc"` (default, oldest first) or `"desc"`. */
  readonly sortDirection?: SortDirection | null | undefined;
  /**
   * For one turn (`turnId`): which saved outputs of successful commands or MCP tool calls to leave
   * out of the items, for reading separately by item id.
   */
  readonly deferOutput?: ThreadItemOutputDeferral | null | undefined;
}

/**
 * What a list call takes: the names of its options, with the kinds of value of its
 * wire fields, and whether its cursor may be an item anchor.
 */
export interface ListKind {
  readonly names: OptionNames;
  readonly anchors: boolean;
}

// The two hand-written options types name wire fields as their own: given as the wire's, their
// values are checked against the wire's kinds.
const TURN_LIST: ListKind = {
  names: optionNames<TurnListOptions>()({
    own: REQUEST_KEYS,
    // Every wire option, checked by the compiler against the options' names.
    wire: THREAD_TURNS_LIST_PARAMS_KEYS,
    omit: ["threadId"],
    fields: THREAD_TURNS_LIST_PARAMS_FIELDS,
  }),
  anchors: false,
};
const ITEM_LIST: ListKind = {
  names: optionNames<ItemListOptions>()({
    // deferOutput: a wire field, checked where it is read, naming the kinds it takes.
    own: [...REQUEST_KEYS, "deferOutput"],
    wire: THREAD_ITEMS_LIST_PARAMS_KEYS,
    omit: ["threadId"],
    fields: THREAD_ITEMS_LIST_PARAMS_FIELDS,
  }),
  anchors: true,
};
/** @internal What `codex.threadList` and `codex.threads` take. */
export const THREAD_LIST: ListKind = {
  names: optionNames<WireOptions<ThreadListParams> & RequestOptions>()({
    own: REQUEST_KEYS,
    wire: THREAD_LIST_PARAMS_KEYS,
    fields: THREAD_LIST_PARAMS_FIELDS,
  }),
  anchors: false,
};

/** What every page of a list call has: its elements, and where the next page starts. */
export interface ListPage<T> {
  /** The elements of this page. */
  readonly data: readonly T[];
  /** The cursor of the next page; `null` on the last one. */
  readonly nextCursor: string | null;
}

/**
 * Everything a list call can return, fetched page after page as it is read: `for await` yields
 * the elements, `pages()` the whole pages (with their cursors). Nothing is fetched before the
 * first element is asked for, and leaving the loop fetches no further page. Each loop starts
 * again from the first page. `signal` and `timeout` of the options apply to each page request.
 * A page cursor the server already gave in this loop, or the one the loop started from, ends it
 * with a `CodexError`.
 */
export class Paginated<T, P extends ListPage<T> = ListPage<T>> implements AsyncIterable<T> {
  readonly #method: ClientRequestMethod;
  readonly #fetch: (cursor: string | undefined) => Promise<P>;
  readonly #start: string | undefined;

  /**
   * @internal Made by the list methods; `method` is the list request, named in errors, and
   * `start` the cursor the caller gave, from which the first page is fetched.
   */
  constructor(
    method: ClientRequestMethod,
    fetch: (cursor: string | undefined) => Promise<P>,
    start?: unknown,
  ) {
    this.#method = method;
    this.#fetch = fetch;
    this.#start = typeof start === "string" ? start : undefined;
  }

  /** The pages, in order, each fetched when the previous one has been taken. */
  async *pages(): AsyncGenerator<P, void, undefined> {
    // A server whose cursors come round again (A, B, A) would keep the loop fetching forever.
    const seen = new Set<string>();
    if (this.#start !== undefined) seen.add(this.#start);
    let cursor: string | undefined;
    for (;;) {
      const page = checkPage(await this.#fetch(cursor), this.#method);
      yield page;
      const next = page.nextCursor;
      if (next === null || next === undefined) return;
      if (seen.has(next)) {
        throw new CodexError(
          `${this.#method}: the server returned the same page cursor twice (${plainText(next)})`,
        );
      }
      seen.add(next);
      cursor = next;
    }
  }

  /** Every element of every page, in order, each page fetched when the loop reaches it. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for await (const page of this.pages()) yield* page.data;
  }
}

/**
 * Every element of every page, for a call that returns them all at once: its `timeout` bounds the
 * whole call (each page request is given what is left of it), its `signal` every page request.
 */
export async function allPages<T>(
  method: ClientRequestMethod,
  call: RequestOptions | undefined,
  fetch: (cursor: string | undefined, call: RequestOptions | undefined) => Promise<ListPage<T>>,
): Promise<T[]> {
  const timeout = call?.timeout;
  const t0 = now();
  const pages = new Paginated<T>(method, (cursor) => fetch(cursor, callLeft(call, t0)));
  const all = async () => {
    const items: T[] = [];
    for await (const item of pages) items.push(item);
    return items;
  };
  return asOneCall(all(), method, timeout);
}

/**
 * A page as the protocol has it, `data` an array and `nextCursor` a non-empty string or null; a
 * `CodexError` naming the method otherwise (a cursor of another kind would never repeat as the
 * same value, and the loop would fetch for ever; an empty or blank one, sent back, would fail the
 * check of a caller's cursor, as if the caller had given it).
 */
export function checkPage<P extends ListPage<unknown>>(page: P, method: string): P {
  const { data, nextCursor } = page as { data?: unknown; nextCursor?: unknown };
  if (!Array.isArray(data)) {
    throw new CodexError(`${method}: the server answered with a page whose data is no array`);
  }
  if (nextCursor !== undefined && nextCursor !== null && typeof nextCursor !== "string") {
    throw new CodexError(`${method}: the server answered with a nextCursor that is no string`);
  }
  if (nextCursor?.trim() === "") {
    const what = nextCursor === "" ? "an empty" : "a blank";
    throw new CodexError(`${method}: the server answered with ${what} nextCursor`);
  }
  return page;
}

/** The largest page size: the server reads `limit` as an unsigned 32-bit integer. */
const MAX_LIMIT = 2 ** 32 - 1;

/** Checks a page size: an integer from 1 to 2^32-1, or absent. */
export function checkLimit(limit: unknown): void {
  if (limit === undefined || limit === null) return;
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new RangeError(
      `limit must be an integer from 1 to ${MAX_LIMIT}, got ${typeof limit === "number" ? limit : describe(limit)}`,
    );
  }
}

function checkCursor(cursor: unknown, anchors: boolean): void {
  if (cursor === undefined || cursor === null) return;
  // The server refuses an empty one ("invalid cursor: ") only once asked.
  if (typeof cursor === "string") return void checkNonEmpty(cursor, "cursor");
  if (anchors && isPlainObject(cursor)) {
    // An item anchor, `{ type: "item", itemId }`, and nothing else: the server's refusal of
    // another object names no option.
    const { type, itemId, ...rest } = cursor;
    const extra = Object.keys(rest)[0];
    if (type !== "item") {
      throw new TypeError(`cursor.type of an item anchor must be "item", got ${shown(type)}`);
    }
    checkNonEmpty(itemId, "cursor.itemId");
    if (extra !== undefined) throw new TypeError(`cursor has no field ${JSON.stringify(extra)}`);
    return;
  }
  throw new TypeError(
    `cursor must be a string${anchors ? " or an item anchor" : ""}, got ${describe(cursor)}`,
  );
}

const DEFERRED_OUTPUTS = ["commandExecution", "mcpToolCall"];

// Which outputs an item list leaves out: the server ignores a misspelt kind without a word.
function checkDeferOutput(value: unknown, turnId: unknown): void {
  if (value === undefined || value === null) return;
  // The runtime defers output within one turn's items only, and ignores it otherwise.
  if (turnId === undefined || turnId === null) {
    throw new TypeError("deferOutput needs turnId: the runtime defers output within one turn only");
  }
  if (!isPlainObject(value)) {
    throw new TypeError(
      `deferOutput must be an object such as { commandExecution: true }, got ${describe(value)}`,
    );
  }
  for (const [key, flag] of Object.entries(value)) {
    if (!DEFERRED_OUTPUTS.includes(key)) {
      throw new TypeError(
        `deferOutput has no kind ${JSON.stringify(key)}; it takes ${DEFERRED_OUTPUTS.join(", ")}`,
      );
    }
    if (flag !== undefined) checkBoolean(flag, `deferOutput.${key}`);
  }
}

/**
 * Checks list options (their names, and the value of each wire field the call takes) and splits
 * them into the call's options and the wire params.
 */
export function listRequest<O extends RequestOptions & { cursor?: unknown; limit?: unknown }>(
  options: O | undefined,
  kind: ListKind,
): ReturnType<typeof splitRequestOptions<O>> {
  const { names } = kind;
  // A copy, each field read once (lists too): what is checked is what is sent.
  const checked = checkOptionNames(snapshot(options), names);
  checkLimit(checked.limit);
  checkCursor(checked.cursor, kind.anchors);
  const split = splitRequestOptions(checked, names);
  // What JSON would write as something else (NaN, a Date, a Set) is refused, not sent changed.
  checkJson(split.rest, "options");
  // The runtime reads an empty turn id as a turn of no items, and lists nothing.
  const { turnId, deferOutput } = split.rest as { turnId?: unknown; deferOutput?: unknown };
  if (typeof turnId === "string") checkNonEmpty(turnId, "turnId");
  // The runtime looks for an item anchor within one turn, and refuses one given without it.
  if (isPlainObject(checked.cursor) && (turnId === undefined || turnId === null)) {
    throw new TypeError(
      "an item anchor cursor needs turnId: the runtime finds it in one turn only",
    );
  }
  checkDeferOutput(deferOutput, turnId);
  // A thread list's directory filter: an empty path would select the server's own directory.
  const { cwd, projectId, sectionId, modelProviders } = split.rest as {
    cwd?: unknown;
    projectId?: unknown;
    sectionId?: unknown;
    modelProviders?: unknown;
  };
  if (typeof cwd === "string") checkNonEmpty(cwd, "cwd");
  else if (Array.isArray(cwd)) cwd.forEach((dir, i) => checkNonEmpty(dir, `cwd[${i}]`));
  // The runtime refuses an empty project id (null lists the threads of no project).
  if (typeof projectId === "string") checkNonEmpty(projectId, "projectId");
  // An empty section id names no section, and lists nothing (null lists the unsectioned threads).
  if (typeof sectionId === "string") checkNonEmpty(sectionId, "sectionId");
  // Nor does an empty provider name name any.
  if (Array.isArray(modelProviders)) {
    modelProviders.forEach((name, i) => checkNonEmpty(name, `modelProviders[${i}]`));
  }
  checkThreadFilters(split.rest);
  return split;
}

// A thread list's filters that name threads: the runtime refuses an empty id (no thread has one),
// and these filters together, after the round trip.
const THREAD_ID_FILTERS = ["parentThreadId", "ancestorThreadId", "attachedToThreadId"] as const;
const THREAD_ID_LISTS = ["includedThreadIds", "excludedThreadIds"] as const;

function checkThreadFilters(rest: Readonly<Record<string, unknown>>): void {
  for (const name of THREAD_ID_FILTERS) {
    if (typeof rest[name] === "string") checkNonEmpty(rest[name], name);
  }
  for (const name of THREAD_ID_LISTS) {
    const ids = rest[name];
    if (Array.isArray(ids)) ids.forEach((id, i) => checkNonEmpty(id, `${name}[${i}]`));
  }
  const given = THREAD_ID_FILTERS.filter((name) => rest[name] !== undefined && rest[name] !== null);
  if (given.length > 1) {
    throw new TypeError(`${given.join(" and ")} cannot be combined: give one of them`);
  }
  // Sorted by their place in a section, the threads of one section only.
  if (rest.sortKey === "section_position" && typeof rest.sectionId !== "string") {
    throw new TypeError(
      'sortKey "section_position" needs a sectionId: the runtime sorts one section',
    );
  }
}

/** Whether an error says the thread has no turn yet, as `thread/turns/list` reports it. */
export function isNotMaterialized(err: unknown): boolean {
  return err instanceof InvalidRequestError && /not materialized/i.test(err.rpcMessage);
}

/**
 * @internal Whether `err` is the pinned runtime's refusal to list a thread's turns that are not
 * written yet (-32601, "list_turns is not supported yet"): the history requests of a thread with
 * no turn get it, and so does a resume as the thread's first turn starts.
 */
export function isNotSupportedYet(err: unknown): boolean {
  return err instanceof MethodNotFoundError && /not supported yet/i.test(err.rpcMessage);
}

/** @internal The call a {@link turnlessRecord} check answers for. */
export interface TurnlessCheck {
  /** The call's method, which a timeout of the check names. */
  readonly method: string;
  readonly call: RequestOptions | undefined;
  /** When the call was sent (`now()`): the check has what is left of its timeout. */
  readonly since: number;
  readonly log?: Log | undefined;
}

/** @internal What {@link turnlessRecord} answers when a turn started as the refusal came. */
export const TURN_STARTED = "turnStarted";

/**
 * @internal The thread's record, when `err` is how the pinned runtime answers the history requests
 * of a thread without a turn once its turns were asked for through `thread/read` (-32601, "...
 * is not supported yet", until a turn runs) and a plain read shows no user message yet;
 * {@link TURN_STARTED} when the read shows one (the thread's first turn started as the refusal
 * came: the call is worth asking again, once); `undefined` otherwise. The check answers for the
 * call: it times out as the call, fails with the connection as the call, and when it fails
 * otherwise or its answer shows no preview (logged), the call's own error stands.
 */
export async function turnlessRecord(
  connection: Connection,
  threadId: string,
  err: unknown,
  asked: TurnlessCheck,
): Promise<ThreadReadResponse | typeof TURN_STARTED | undefined> {
  if (!isNotSupportedYet(err)) return undefined;
  const { method, call, since } = asked;
  let read: ThreadReadResponse;
  try {
    read = await connection.request(
      "thread/read",
      { threadId, includeTurns: false },
      callLeft(call, since),
    );
  } catch (checkError) {
    if (
      checkError instanceof RequestTimeoutError ||
      checkError instanceof TransportClosedError ||
      call?.signal?.aborted
    ) {
      throw checkError;
    }
    asked.log?.debug(`${method}: the check of whether the thread has a turn failed`, checkError);
    return undefined;
  }
  // The answer as the server sent it: a faulty one tells nothing.
  const preview = (read as { thread?: { preview?: unknown } | null }).thread?.preview;
  if (typeof preview !== "string") {
    asked.log?.debug(`${method}: the check of whether the thread has a turn read no preview`);
    return undefined;
  }
  // Read without its turns, it lists none.
  return preview === "" ? read : TURN_STARTED;
}

// A new page each time: a caller may change the page it was given.
function emptyPage(): { data: never[]; nextCursor: null; backwardsCursor: null } {
  return { data: [], nextCursor: null, backwardsCursor: null };
}

/** One page of a thread's turns; a thread without a turn yet has one empty page. */
export async function turnPage(
  connection: Connection,
  threadId: string,
  options: TurnListOptions | undefined,
  log?: Log,
): Promise<ThreadTurnsListResponse> {
  const { call, rest } = listRequest(options, TURN_LIST);
  const params: ThreadTurnsListParams = { ...rest, threadId };
  const method = "thread/turns/list";
  const t0 = now();
  const page = async () => {
    try {
      return checkPage(await connection.request("thread/turns/list", params, call), method);
    } catch (err) {
      if (isNotMaterialized(err)) return emptyPage();
      const turnless = await turnlessRecord(connection, threadId, err, {
        method,
        call,
        since: t0,
        log,
      });
      if (turnless === undefined) throw err;
      if (turnless !== TURN_STARTED) return emptyPage();
      try {
        return checkPage(
          await connection.request("thread/turns/list", params, callLeft(call, t0)),
          method,
        );
      } catch (again) {
        if (isNotMaterialized(again)) return emptyPage();
        throw again;
      }
    }
  };
  return asOneCall(page(), method, call?.timeout);
}

/**
 * One page of a thread's items; a thread without a turn yet has one empty page. The runtime
 * answers `thread/items/list` on such a thread with -32601, which it also uses for history it
 * cannot list: the turns list tells the two apart.
 */
export async function itemPage(
  connection: Connection,
  threadId: string,
  options: ItemListOptions | undefined,
  log?: Log,
): Promise<ThreadItemsListResponse> {
  const { call, rest } = listRequest(options, ITEM_LIST);
  const params: ThreadItemsListParams = { ...rest, threadId };
  const method = "thread/items/list";
  const timeout = call?.timeout;
  const t0 = now();
  const page = async () => {
    try {
      return checkPage(await connection.request("thread/items/list", params, call), method);
    } catch (err) {
      if (!(err instanceof MethodNotFoundError)) throw err;
      // The check has what is left of the call's timeout, and does not answer in its place.
      const check = callLeft(call, t0);
      let turns: ThreadTurnsListResponse;
      try {
        turns = await turnPage(connection, threadId, { ...check, limit: 1 }, log);
      } catch (checkError) {
        // An answer about the check's own request (an ephemeral thread lists no turns either)
        // leaves the items answer standing; one about the thread (not found) says more than it.
        if (
          checkError instanceof JsonRpcError &&
          checkError.rpcMessage.includes("thread/turns/list")
        ) {
          log?.debug("thread/items/list: the check of the thread's turns was refused", checkError);
          throw err;
        }
        // The server's word on the thread, as the answer to the call made.
        if (checkError instanceof JsonRpcError) {
          const { code, rpcMessage, data } = checkError;
          const error = mapJsonRpcError(code, rpcMessage, data, method);
          // As `new Error(m, { cause })` defines it: not enumerable.
          Object.defineProperty(error, "cause", {
            value: checkError,
            configurable: true,
            writable: true,
          });
          throw error;
        }
        throw checkError;
      }
      if (turns.data.length === 0) return emptyPage();
      // The thread has a turn: one whose history the runtime cannot list (refused again), or its
      // first, started as the refusal came (listed now).
      try {
        return checkPage(
          await connection.request("thread/items/list", params, callLeft(call, t0)),
          method,
        );
      } catch (again) {
        throw again instanceof MethodNotFoundError ? err : again;
      }
    }
  };
  return asOneCall(page(), method, timeout);
}

/**
 * List options checked, as a copy of their own (each field read once, nested lists too) from
 * which every page is asked: a caller changing its options while it pages changes no page.
 */
function pagedOptions<O extends RequestOptions>(options: O | undefined, kind: ListKind): O {
  const { call, rest } = listRequest(options, kind);
  return dropUndefined({ ...rest, ...call }) as O;
}

/** A thread's turns, page after page. */
export function turnPages(
  connection: Connection,
  threadId: string,
  options: TurnListOptions | undefined,
  log?: Log,
): Paginated<Turn, ThreadTurnsListResponse> {
  const checked = pagedOptions(options, TURN_LIST);
  return new Paginated(
    "thread/turns/list",
    (cursor) =>
      turnPage(connection, threadId, cursor === undefined ? checked : { ...checked, cursor }, log),
    checked.cursor,
  );
}

/**
 * @internal Whether the runtime refused a turn id as naming no start of the stored history: the
 * id of an inline review's own turn (see {@link reviewStartOf}).
 */
export function isStartless(err: unknown): boolean {
  return (
    err instanceof InvalidRequestError &&
    /does not have a persisted start boundary/i.test(err.rpcMessage)
  );
}

/**
 * @internal The turn an inline review ran in, found by the review's own turn id (its handle's and
 * result's): the runtime stores such a review as the turn it ran in, whose `rootTurnId` is the
 * review's, then the review's own turn, which starts no history and so cannot be reverted or
 * forked before. Undefined when no stored turn was run for `reviewId`. The list is newest first:
 * the oldest of the turns run for the review is where its history starts. `call`'s timeout bounds
 * the whole search, however many pages it reads.
 */
export async function reviewStartOf(
  connection: Connection,
  threadId: string,
  reviewId: string,
  call: RequestOptions | undefined,
  log?: Log,
): Promise<string | undefined> {
  const timeout = call?.timeout;
  const timedOut = () => new RequestTimeoutError("thread/turns/list", timeout!);
  const bound = signalWithin(call?.signal, timeout, timedOut);
  const pages = bound.signal === undefined ? undefined : { signal: bound.signal };
  let start: string | undefined;
  try {
    for await (const turn of turnPages(connection, threadId, pages, log)) {
      // An entry without a turn's id names no turn to fork or revert before (nor to send).
      const { id, rootTurnId } = (turn ?? {}) as { id?: unknown; rootTurnId?: unknown };
      if (typeof id !== "string" || id === "" || id === reviewId) continue;
      if (rootTurnId === reviewId) start = id;
      else if (start !== undefined) break;
    }
  } finally {
    bound.dispose();
  }
  return start;
}

/** A thread's items, page after page. */
export function itemPages(
  connection: Connection,
  threadId: string,
  options: ItemListOptions | undefined,
  log?: Log,
): Paginated<ThreadItemEntry, ThreadItemsListResponse> {
  const checked = pagedOptions(options, ITEM_LIST);
  return new Paginated(
    "thread/items/list",
    (cursor) =>
      itemPage(connection, threadId, cursor === undefined ? checked : { ...checked, cursor }, log),
    checked.cursor,
  );
}

/** Stored threads (`thread/list`), page after page. */
export function threadPages(
  connection: Connection,
  options: (WireOptions<ThreadListParams> & RequestOptions) | undefined,
): Paginated<ThreadRecord, ThreadListResponse> {
  const checked = pagedOptions(options, THREAD_LIST);
  return new Paginated(
    "thread/list",
    (cursor) => {
      const next = cursor === undefined ? checked : { ...checked, cursor };
      const { call, rest } = listRequest(next, THREAD_LIST);
      return connection.request("thread/list", rest as ThreadListParams, call);
    },
    checked.cursor,
  );
}

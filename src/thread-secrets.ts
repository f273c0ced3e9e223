import { JsonRpcError } from "./errors.js";
import type { Secrets } from "./internal/redact.js";
import { threadIdOf, type Router } from "./rpc/router.js";
import { wasWithdrawn } from "./rpc/connection.js";

/** The requests whose `config` a thread keeps. */
export const THREAD_CONFIG_METHODS: ReadonlySet<string> = new Set([
  "thread/start",
  "thread/resume",
  "thread/fork",
]);

/**
 * The credentials each thread's `config` handed the server (an MCP server's header, say): redacted
 * from the thread's start, resume or fork until the thread is archived or deleted (an ephemeral
 * one, until the server unloads it), or over the request alone when the server refuses it. A
 * service that gives each thread its own user's token keeps no more secrets than it keeps threads,
 * and each one added recompiles a pattern of only those.
 */
export class ThreadSecrets {
  readonly #secrets: Secrets;
  // What each thread holds (a credential it holds already is held once: a thread resumed again
  // and again with its token keeps one copy), and whether it is ephemeral: stored nowhere, it
  // ends for good when the server unloads it.
  readonly #held = new Map<string, { credentials: string[]; ephemeral: boolean }>();

  readonly #router: Router;

  constructor(secrets: Secrets, router: Router) {
    this.#secrets = secrets;
    this.#router = router;
    // A stored thread the server unloads (`thread/closed`) may be resumed with what it stored.
    for (const method of ["thread/archived", "thread/deleted", "thread/closed"]) {
      router.on(method, (n) => {
        const threadId = threadIdOf(n);
        if (threadId !== undefined) this.#release(threadId, method === "thread/closed");
      });
    }
  }

  /** Threads holding credentials, and the credentials they hold, for leak checks. */
  get stats(): Record<string, number> {
    let credentials = 0;
    for (const held of this.#held.values()) credentials += held.credentials.length;
    return { threads: this.#held.size, credentials };
  }

  /**
   * Sends a `thread/start`, `thread/resume` or `thread/fork` with `credentials` redacted from
   * before it is sent; then they are held for the thread its answer names, or let go once the
   * server refuses the request. `send` should settle with the server's answer whether the caller
   * still waits or not (a thread made for a caller who gave up is then dropped by its deletion,
   * which releases them); a request given up on before its answer keeps them for good. A thread
   * made for the request (`fresh`: started or forked) may end in the read that answers, before
   * they are held for it: they are let go then.
   */
  sendHolding<T>(
    credentials: readonly string[],
    send: () => Promise<T>,
    fresh = false,
  ): Promise<T> {
    if (credentials.length === 0) return send();
    this.#secrets.addAll(credentials);
    const answer = send();
    this.#router.whileAnswered(answer).then(
      ({ answer: response, ended: endOf }) => {
        const thread = (response as { thread?: { id?: unknown; ephemeral?: unknown } } | null)
          ?.thread;
        const threadId = thread?.id;
        if (typeof threadId !== "string") return this.#secrets.removeAll(credentials);
        const ephemeral = thread!.ephemeral === true;
        const ended = fresh ? endOf(threadId) : undefined;
        if (ended !== undefined && (ended !== "thread/closed" || ephemeral)) {
          return this.#secrets.removeAll(credentials);
        }
        const held = this.#held.get(threadId);
        if (held === undefined) {
          this.#held.set(threadId, { credentials: [...credentials], ephemeral });
          return;
        }
        const known = (credential: string) => held.credentials.includes(credential);
        const again = credentials.filter(known);
        held.credentials.push(...credentials.filter((credential) => !known(credential)));
        // This request's hold on what the thread holds already ends now.
        if (again.length > 0) this.#secrets.removeAll(again);
      },
      // Refused or never sent, it made no thread; sent and not answered (given up on, or the
      // connection ended), it may have: they stay, as for the client's life.
      (err: unknown) => {
        if (err instanceof JsonRpcError || wasWithdrawn(err)) this.#secrets.removeAll(credentials);
      },
    );
    return answer;
  }

  #release(threadId: string, unloaded: boolean): void {
    const held = this.#held.get(threadId);
    if (held === undefined || (unloaded && !held.ephemeral)) return;
    this.#held.delete(threadId);
    this.#secrets.removeAll(held.credentials);
  }
}

import { describe, expect, it } from "vitest";
import { ServerRequestDispatcher, type DispatcherOptions } from "../../src/server-requests.js";
import { Connection, type RawNotification } from "../../src/rpc/connection.js";
import { Router } from "../../src/rpc/router.js";
import { FakeTransport } from "../support/fake-transport.js";
import { takeSlot } from "../support/turn-slot.js";

function setup(options: DispatcherOptions = {}) {
  const transport = new FakeTransport();
  const connection = new Connection(transport);
  const router = new Router(connection);
  const dispatcher = new ServerRequestDispatcher(router, options);
  connection.setServerRequestHandler(dispatcher.handle);
  const turnEvents: RawNotification[] = [];
  takeSlot(router, "thread-turn-1").bind("turn-1", {
    push: (n) => {
      turnEvents.push(n);
      return n.method === "turn/completed";
    },
    fail: () => {},
  });
  return { transport, turnEvents };
}

const approval = (id: number) => ({
  id,
  method: "item/commandExecution/requestApproval",
  params: { threadId: "th", turnId: "turn-1", itemId: "i", command: "ls" },
});

function unreadableMessage(): Error {
  const error = new Error("x");
  Object.defineProperty(error, "message", {
    get() {
      throw new Error("getter");
    },
  });
  return error;
}

describe("server request handlers that throw odd values", () => {
  it("answer with the default and report client/handlerError, whatever was thrown", async () => {
    const thrown: unknown[] = [
      Object.create(null),
      {
        toString(): string {
          throw new Error("nope");
        },
      },
      unreadableMessage(),
    ];
    let next = 0;
    const { transport, turnEvents } = setup({
      approvals: {
        commandExecution: () => {
          throw thrown[next++];
        },
      },
    });
    for (const id of [1, 2, 3]) {
      transport.deliver(approval(id));
      expect(await transport.waitForSent(id)).toEqual({ id, result: { decision: "decline" } });
    }
    const failures = turnEvents.filter((e) => e.method === "client/handlerError");
    expect(failures.map((e) => (e.params as { message: string }).message)).toEqual([
      "an error that cannot be read",
      "an error that cannot be read",
      "an error that cannot be read",
    ]);
  });

  it("answer with -32603 when the handler has no default and its error's code cannot be read", async () => {
    const { transport } = setup({
      onChatgptTokenRefresh: () => {
        throw {
          message: "refresh failed",
          get code(): number {
            throw new Error("code is not available");
          },
        };
      },
    });
    transport.deliver({ id: 5, method: "account/chatgptAuthTokens/refresh", params: {} });
    expect(await transport.waitForSent(1)).toEqual({
      id: 5,
      error: { code: -32603, message: "refresh failed" },
    });
  });
});

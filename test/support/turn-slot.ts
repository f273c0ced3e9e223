import type { Router, TurnSlot } from "../../src/rpc/router.js";

/**
 * Takes `threadId`'s turn slot at once, as a turn of the SDK does just before its `turn/start`:
 * from then on the thread's events are held for it until `bind`.
 */
export function takeSlot(router: Router, threadId: string): TurnSlot {
  let taken: TurnSlot | undefined;
  void router.queueTurn(threadId, async (slot) => {
    taken = slot;
  });
  if (taken === undefined) throw new Error(`thread ${threadId} has a turn in flight`);
  return taken;
}

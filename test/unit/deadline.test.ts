// The abort watchers the waits share: one listener per signal, each watcher told once.
import { expect, it } from "vitest";
import { watchAbort } from "../../src/internal/deadline.js";

it("tells a watcher that another one stopped while the abort was being told", () => {
  const controller = new AbortController();
  const told: string[] = [];
  let stopB: () => void = () => {};
  watchAbort(controller.signal, () => {
    told.push("a");
    stopB();
  });
  stopB = watchAbort(controller.signal, () => told.push("b"));
  controller.abort();
  expect(told).toEqual(["a", "b"]);
});

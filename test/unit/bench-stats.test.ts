import { describe, expect, it } from "vitest";
import { pairedRatio, roundOrder } from "../../bench/stats.js";

describe("pairedRatio (bench)", () => {
  it("takes the ratio round by round, so drift of the host between rounds cancels", () => {
    // The host slows down threefold over the rounds; each round the SDK costs 1.1x the floor.
    const floors = [10, 12, 15, 20, 24, 30];
    const values = floors.map((f) => f * 1.1);
    const estimate = pairedRatio(values, floors);
    expect(estimate?.median).toBeCloseTo(1.1, 10);
    expect(estimate?.low).toBeCloseTo(1.1, 10);
    expect(estimate?.high).toBeCloseTo(1.1, 10);
    expect(estimate?.pairs).toBe(6);
  });

  it("gives an interval around the median that widens with the spread, the same every time", () => {
    const floors = [10, 10, 10, 10, 10, 10, 10, 10, 10];
    const tight = pairedRatio([10.9, 11, 11.1, 11, 10.9, 11.1, 11, 11, 10.95], floors)!;
    const loose = pairedRatio([8, 14, 11, 9, 13, 11, 12, 10, 11], floors)!;
    expect(tight.median).toBeCloseTo(1.1, 10);
    expect(loose.median).toBeCloseTo(1.1, 10);
    for (const e of [tight, loose]) {
      expect(e.low).toBeLessThanOrEqual(e.median);
      expect(e.high).toBeGreaterThanOrEqual(e.median);
    }
    expect(loose.high - loose.low).toBeGreaterThan(tight.high - tight.low);
    expect(pairedRatio([8, 14, 11, 9, 13, 11, 12, 10, 11], floors)).toEqual(loose);
  });

  it("pairs runs by position and skips a pair with a missing figure or no floor", () => {
    const estimate = pairedRatio([2, null, 3, 4, 5, 6], [1, 1, 0, 2, 5, 3, 9])!;
    // Pairs kept: 2/1, 4/2, 5/5, 6/3 (the seventh floor has no run to pair with).
    expect(estimate.pairs).toBe(4);
    expect(estimate.median).toBeCloseTo(2, 10);
  });

  it("gives nothing for fewer than three pairs", () => {
    expect(pairedRatio([1, 2], [1, 1])).toBeNull();
    expect(pairedRatio([1, 2, 3], [1, null, 1])).toBeNull();
  });
});

it("turns the clients' order round by round, each round keeping them all", () => {
  const clients = ["floor", "sdk", "sdk-results"] as const;
  expect([0, 1, 2, 3].map((round) => roundOrder(clients, round))).toEqual([
    ["floor", "sdk", "sdk-results"],
    ["sdk-results", "sdk", "floor"],
    ["floor", "sdk", "sdk-results"],
    ["sdk-results", "sdk", "floor"],
  ]);
  expect(clients).toEqual(["floor", "sdk", "sdk-results"]);
});

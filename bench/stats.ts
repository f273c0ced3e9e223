/** Small statistics and number formatting for the report. */

/** The median of the non-null values, or null when there are none. */
export function median(values: readonly (number | null | undefined)[]): number | null {
  const sorted = values.filter((v): v is number => typeof v === "number").sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A median with the bounds of its 95% bootstrap interval. */
export interface Estimate {
  readonly median: number;
  readonly low: number;
  readonly high: number;
  /** How many pairs it was taken over. */
  readonly pairs: number;
}

const RESAMPLES = 2000;

/**
 * The ratio of `values` to `floors` taken pair by pair (the runs of one round, which run back to
 * back), as the median over the pairs with a 95% percentile-bootstrap interval. Pairing takes out
 * the host's drift between rounds, which a ratio of two medians keeps. The resampling is seeded,
 * so the same runs always give the same interval. Null with fewer than three usable pairs.
 */
export function pairedRatio(
  values: readonly (number | null | undefined)[],
  floors: readonly (number | null | undefined)[],
): Estimate | null {
  const ratios: number[] = [];
  for (let i = 0; i < Math.min(values.length, floors.length); i++) {
    const value = values[i];
    const floor = floors[i];
    if (typeof value === "number" && typeof floor === "number" && floor > 0) {
      ratios.push(value / floor);
    }
  }
  if (ratios.length < 3) return null;
  const random = seeded(ratios.length);
  const medians: number[] = [];
  const sample: number[] = new Array<number>(ratios.length);
  for (let r = 0; r < RESAMPLES; r++) {
    for (let i = 0; i < ratios.length; i++) {
      sample[i] = ratios[Math.floor(random() * ratios.length)]!;
    }
    medians.push(median(sample)!);
  }
  medians.sort((a, b) => a - b);
  return {
    median: median(ratios)!,
    low: medians[Math.floor(RESAMPLES * 0.025)]!,
    high: medians[Math.ceil(RESAMPLES * 0.975) - 1]!,
    pairs: ratios.length,
  };
}

// A small seeded generator (mulberry32): the interval must not change from one report to the next.
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The least-squares slope of y over x (0 for fewer than two points). */
export function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** A figure with a sensible number of digits for its size. */
export function formatNumber(value: number, budget?: number): string {
  const abs = Math.abs(value);
  const digits = decimals(value, abs >= 100 ? 0 : abs >= 10 ? 1 : 2, budget);
  // Rounded as the digits were chosen (`toFixed`): `toLocaleString` rounds some halves the other
  // way, and would print 9.995 against a budget of 10 as "10.00".
  const [whole, fraction] = value.toFixed(digits).split(".");
  const grouped = whole!.replace(/\B(?=(\d{3})+$)/g, ",");
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

// `digits`, or more where fewer would show `value` on another side of `budget` than it is (a
// missed target of 1.10x printed as "1.10x").
function decimals(value: number, digits: number, budget: number | undefined): number {
  const side = budget === undefined ? 0 : Math.sign(value - budget);
  let d = digits;
  while (budget !== undefined && d < 6 && Math.sign(Number(value.toFixed(d)) - budget) !== side) {
    d++;
  }
  return d;
}

/** `value / floor` as `1.02x`, with more decimals where two would hide that it is over `budget`. */
export function formatRatio(value: number, floor: number, budget?: number): string {
  if (floor === 0) return "";
  const ratio = value / floor;
  return `${ratio.toFixed(decimals(ratio, 2, budget))}x`;
}

/**
 * The order in which the clients run in round `round`: as listed, then reversed, round by round,
 * so that a drift of the host within a round (a load that builds as a batch goes on) does not
 * always fall on the same client.
 */
export function roundOrder<T>(clients: readonly T[], round: number): readonly T[] {
  return round % 2 === 0 ? clients : [...clients].reverse();
}

// A compact way to build a Portfolio in tests (shared by the metrics and events suites).
import { Portfolio } from "../dist/index.js";

/** One position, short field names. */
export interface Pos {
  id: string;
  side: "yes" | "no";
  size: number;
  entry: number;
  price: number;
}

/** A Portfolio with capital 10 000 holding `positions`, on the given runtime. */
export function build(positions: Pos[], runtime: "inline" | "worker" = "inline"): Portfolio {
  const p = new Portfolio({ capital: 10_000, runtime });
  for (const x of positions) p.addPosition({ marketId: x.id, side: x.side, size: x.size, entryPrice: x.entry, currentPrice: x.price });
  return p;
}

/** A seeded random book of `n` markets (Lehmer generator): sides, sizes and cent prices. */
export function randomBook(n: number, seed: number): Pos[] {
  let s = seed;
  const u = () => (s = (s * 48271) % 2147483647) / 2147483647;
  return Array.from({ length: n }, (_, i) => ({
    id: `m${i}`,
    side: u() < 0.5 ? "yes" : "no",
    size: Math.round(10 + 190 * u()),
    entry: Math.round(100 * (0.05 + 0.9 * u())) / 100,
    price: Math.round(100 * (0.05 + 0.9 * u())) / 100,
  }));
}

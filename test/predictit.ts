// Loads the committed PredictIt 2018 Senate data (data/predictit-2018-senate) for tests.
import { readFileSync } from "node:fs";

const dir = new URL("../data/predictit-2018-senate/", import.meta.url);

/** Market ids in order of first appearance, and each market's daily YES closes. */
export function predictitPrices(): { ids: string[]; prices: Record<string, number[]>; dates: string[] } {
  const lines = readFileSync(new URL("prices.csv", dir), "utf8").trim().split("\n").slice(1);
  const prices: Record<string, number[]> = {};
  const ids: string[] = [];
  const dates: string[] = [];
  for (const line of lines) {
    const [ts, id, p] = line.split(",");
    if (!(id! in prices)) {
      prices[id!] = [];
      ids.push(id!);
    }
    prices[id!]!.push(Number(p));
    if (dates[dates.length - 1] !== ts) dates.push(ts!);
  }
  return { ids, prices, dates };
}

/** Resolutions (`yes` / `no`) by market id. */
export function predictitResolutions(): Record<string, "yes" | "no"> {
  const lines = readFileSync(new URL("markets.csv", dir), "utf8").trim().split("\n").slice(1);
  const out: Record<string, "yes" | "no"> = {};
  for (const line of lines) {
    const id = line.split(",")[0]!;
    out[id] = line.trim().endsWith(",yes") ? "yes" : "no";
  }
  return out;
}

/** Daily YES price changes, T×N rows (columns in `ids` order). */
export function predictitReturns(): { ids: string[]; rows: number[][] } {
  const { ids, prices } = predictitPrices();
  const T = prices[ids[0]!]!.length;
  const rows: number[][] = [];
  for (let t = 1; t < T; t++) rows.push(ids.map((id) => prices[id]![t]! - prices[id]![t - 1]!));
  return { ids, rows };
}

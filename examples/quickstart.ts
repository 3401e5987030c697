// The main demo: a portfolio of five 2018 US Senate markets (real PredictIt closes), every
// optimizer's target weights, the rebalance orders for one of them, and the risk metrics.
// Run: npm run demo
import { readFileSync } from "node:fs";
import { Portfolio } from "hz-portfolio";

// Daily YES closes from data/predictit-2018-senate/prices.csv (timestamp,market_id,yes_price).
const csv = readFileSync(new URL("../data/predictit-2018-senate/prices.csv", import.meta.url), "utf8");
const closes: Record<string, number[]> = {};
for (const line of csv.trim().split("\n").slice(1)) {
  const [, id, price] = line.split(",");
  (closes[id!] ??= []).push(Number(price));
}

const p = new Portfolio({ name: "senate-2018", capital: 10_000 });
const book = [
  { marketId: "PI2928-TX-S1-R", side: "yes", size: 2000, entryPrice: 0.72 },
  { marketId: "PI3484-MO-S1-D", side: "no", size: 1500, entryPrice: 0.5 },
  { marketId: "PI2999-FL-S1-D", side: "yes", size: 1200, entryPrice: 0.55 },
  { marketId: "PI2941-WV-S1-D", side: "yes", size: 1000, entryPrice: 0.68 },
  { marketId: "PI2998-IN-S1-D", side: "no", size: 800, entryPrice: 0.45 },
] as const;

// Replay 60 days of prices up to mid-September 2018 (day 100 of 159): the portfolio records each
// one (held-side prices: 1 − YES for NO positions).
const held = (side: "yes" | "no", yes: number) => (side === "yes" ? yes : Math.round((1 - yes) * 100) / 100);
const asOf = 100;
for (const pos of book) {
  const series = closes[pos.marketId]!;
  p.addPosition({ ...pos, currentPrice: held(pos.side, series[asOf - 61]!) });
}
for (let t = asOf - 60; t < asOf; t++) {
  for (const pos of book) p.updatePrice(pos.marketId, held(pos.side, closes[pos.marketId]![t]!));
}

console.log(p.summary());

const fmt = (w: Record<string, number>) =>
  Object.entries(w)
    .map(([id, x]) => `${id} ${(x * 100).toFixed(2)}%`)
    .join(", ");
const probs = { "PI2928-TX-S1-R": 0.85, "PI3484-MO-S1-D": 0.35, "PI2999-FL-S1-D": 0.5 };
const targets = {
  kelly: await p.optimizeKelly({ probs, fraction: 0.5 }),
  equalWeight: await p.optimizeEqualWeight(),
  riskParity: await p.optimizeRiskParity(),
  riskParityErc: await p.optimizeRiskParity(undefined, { method: "erc" }),
  minVariance: await p.optimizeMinVariance(),
};
console.log("\nTarget weights (history: the last 60 recorded days):");
for (const [name, w] of Object.entries(targets)) console.log(`  ${name.padEnd(14)} ${fmt(w)}`);

// Invest 20% of capital with risk-parity proportions.
const target = Object.fromEntries(Object.entries(targets.riskParity).map(([id, w]) => [id, 0.2 * w]));
console.log("\nRebalance orders to 20% of capital in risk parity:");
for (const o of p.rebalanceOrders(target, { threshold: 0.001 })) {
  console.log(`  ${o.action.padEnd(4)} ${o.sizeDelta.toFixed(1).padStart(8)} ${o.side.padEnd(3)} ${o.marketId} @ ${o.price.toFixed(2)}`);
}

const m = await p.metrics({ nSimulations: 100_000, seed: 42, tHours: 24, vol: 0.2 });
console.log(`\nRisk (Monte Carlo, ${m.nSimulations} scenarios, seed ${m.seed}, copula on the recorded history):`);
console.log(`  expected P&L ${m.expectedPnl.toFixed(2)}  VaR95 ${m.var95.toFixed(2)}  CVaR95 ${m.cvar95.toFixed(2)}  VaR99 ${m.var99.toFixed(2)}  CVaR99 ${m.cvar99.toFixed(2)}`);
console.log(`  win probability ${(m.winProbability * 100).toFixed(2)}%  HHI ${m.concentration.toFixed(4)}  shrinkage ${m.shrinkageIntensity.toFixed(4)}`);
console.log("  Greeks (per position, 24h to resolution, vol 0.2):");
for (const [id, g] of Object.entries(m.greeks)) {
  console.log(`    ${id.padEnd(15)} delta ${g.delta.toFixed(3).padStart(10)}  gamma ${g.gamma.toFixed(3).padStart(10)}  theta/h ${g.theta.toFixed(4).padStart(9)}  vega ${g.vega.toFixed(3).padStart(9)}`);
}

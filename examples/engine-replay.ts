// Paper trading on real data: replay the PredictIt 2018 Senate closes through an Engine with risk
// limits, bid/ask quotes and Kalshi-style taker fees, trade a simple dip-buying strategy during the
// replay, build a Portfolio from the engine, print its risk metrics, rebalance 10% of equity into
// risk parity through the engine, and finally settle every market by its real resolution and report
// the P&L net of fees.
// Run: npx tsx examples/engine-replay.ts   (after `npm run build`)
import { readFileSync } from "node:fs";
import { Engine, FeeModel, parsePriceCsv, Portfolio, RiskConfig, type OrderResult } from "hz-portfolio";

const dir = new URL("../data/predictit-2018-senate/", import.meta.url);
const csv = readFileSync(new URL("prices.csv", dir), "utf8");
// The data are daily closes: quote them with a one-cent spread around the close (PredictIt's tick),
// so buys pay the ask and sells get the bid.
const rows = parsePriceCsv(csv).map((r) => ({
  timestamp: r.timestamp,
  marketId: r.marketId,
  bid: Math.max(0, Math.round((r.yesPrice - 0.01) * 100) / 100),
  ask: Math.min(1, Math.round((r.yesPrice + 0.01) * 100) / 100),
}));
// Resolutions: market_id,question,resolution (yes/no).
const resolutions = readFileSync(new URL("markets.csv", dir), "utf8")
  .trim()
  .split("\n")
  .slice(1)
  .map((line) => [line.slice(0, line.indexOf(",")), line.slice(line.lastIndexOf(",") + 1).trim()] as const);

const engine = new Engine({
  riskConfig: new RiskConfig({ maxPositionPerMarket: 20_000, maxOrderSize: 10_000, maxPortfolioNotional: 6_000, maxDailyLoss: 200, dedupWindowMs: 60_000 }),
  capital: 10_000,
  fees: FeeModel.kalshi(), // ⌈0.07·C·P·(1 − P)⌉ to the cent per fill
});

// A portfolio that follows the engine live (fills and prices) from the start.
const live = new Portfolio({ name: "live" });
const unfollow = live.follow(engine);

// Strategy, once per day (all 18 markets priced): buy 400 YES after a 5-day fall of ≥ 5 cents,
// sell half (+50) after a 5-day rise of ≥ 5 cents, and now and then take cheap NO on a ≥ 85% favourite.
const outcomes: Record<string, number> = {};
let day = 0;
await engine.replay(rows, {
  onTimestamp: async (_time, e) => {
    if (++day < 6) return;
    for (const id of e.marketIds()) {
      const h = e.priceHistory(id);
      const change = h[h.length - 1]! - h[h.length - 6]!;
      const pos = e.position(id);
      let r: OrderResult | undefined;
      if (change <= -0.05 && (!pos || pos.side === "yes")) {
        r = await e.submitOrder({ marketId: id, side: "yes", action: "buy", size: 400 });
      } else if (change >= 0.05 && pos) {
        r = await e.submitOrder({ marketId: id, side: pos.side, action: "sell", size: pos.size / 2 + 50, allowPartial: true });
      } else if (h[h.length - 1]! >= 0.85 && !pos && day % 20 === 0) {
        r = await e.submitOrder({ marketId: id, side: "no", action: "buy", size: 1_500, limitPrice: 0.2 });
      }
      if (r) {
        const k = r.status === "filled" ? (r.partial ? "filled (partial)" : "filled") : `rejected: ${r.reason}`;
        outcomes[k] = (outcomes[k] ?? 0) + 1;
      }
    }
  },
});
unfollow();

const f = (x: number, d = 2) => x.toFixed(d);
console.log(`Replayed ${rows.length} ticks (${engine.marketIds().length} markets, ${day} days). Orders:`);
for (const [k, n] of Object.entries(outcomes)) console.log(`  ${k.padEnd(32)} ${n}`);
console.log(
  `Engine: cash ${f(engine.cash())}  positions ${f(engine.positionsValue())}  equity ${f(engine.equity())}  ` +
    `realised ${f(engine.realizedPnl())} (net of ${f(engine.feesPaid())} fees)  unrealised ${f(engine.unrealizedPnl())}`,
);

// The portfolio view of the engine: positions, prices and the feed history (held side).
const p = Portfolio.fromEngine(engine, { name: "senate-2018-paper", capital: engine.equity(), seed: 42 });
console.log(`\n${p.summary()}`);
console.log(`(the live follower agrees: ${JSON.stringify(live.positions()) === JSON.stringify(p.positions())})`);

const m = await p.metrics({ nSimulations: 100_000 });
console.log(`\nRisk at resolution (Monte Carlo, ${m.nSimulations} scenarios, seed ${m.seed}, copula on ${p.recordedReturns()?.length ?? 0} daily returns):`);
console.log(`  expected P&L ${f(m.expectedPnl)}  VaR95 ${f(m.var95)}  CVaR95 ${f(m.cvar95)}  VaR99 ${f(m.var99)}  CVaR99 ${f(m.cvar99)}`);
console.log(`  win probability ${f(m.winProbability * 100)}%  max loss ${f(m.maxLoss)}  max gain ${f(m.maxGain)}`);

// Rebalance: 10% of equity in risk-parity proportions, executed through the engine's RiskConfig.
const w = await p.optimizeRiskParity();
const target = Object.fromEntries(Object.entries(w).map(([id, x]) => [id, 0.1 * x]));
const orders = p.rebalanceOrders(target, { fees: FeeModel.kalshi() });
const results = await engine.execute(orders);
console.log("\nRebalance to 10% of equity in risk parity:");
results.forEach((r, i) => {
  const o = orders[i]!;
  const what = `${o.action.padEnd(4)} ${f(o.sizeDelta, 1).padStart(9)} ${o.side.padEnd(3)} ${o.marketId.padEnd(15)} (est. fee ${f(o.estimatedFee ?? 0)})`;
  console.log(`  ${what} → ${r.status === "filled" ? `filled ${f(r.size, 1)} @ ${r.price}, fee ${f(r.fee)}` : `rejected (${r.reason}): ${r.message}`}`);
});
const after = Portfolio.fromEngine(engine, { capital: p.capital });
const worst = Math.max(...Object.entries(target).map(([id, tw]) => Math.abs((after.weights()[id] ?? 0) - tw)));
console.log(`Largest |weight − target| after execution: ${worst.toExponential(2)}; cash ${f(engine.cash())}`);

// Resolution: settle every market by its real outcome (each winning share pays 1, the others 0).
let payouts = 0;
for (const [id, outcome] of resolutions) {
  if (outcome !== "yes" && outcome !== "no") continue;
  for (const s of await engine.settle(id, outcome, "2018-11-07T00:00:00Z")) payouts += s.payout;
}
const pnl = engine.equity() - 10_000;
console.log(`\nSettled ${resolutions.length} markets by their 2018 resolutions: payouts ${f(payouts)}; open positions ${engine.positions().length}`);
console.log(`Final: cash ${f(engine.cash())}  P&L ${f(pnl)} net of ${f(engine.feesPaid())} fees (realised ${f(engine.realizedPnl())})`);

// Save / restore: a lossless, versioned snapshot.
const saved = JSON.stringify(engine.toJSON());
console.log(`\nSnapshot: ${(saved.length / 1024).toFixed(0)} KiB; restored engine equal: ${JSON.stringify(Engine.fromJSON(saved).toJSON()) === saved}`);

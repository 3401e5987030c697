// A deterministic trading session over the real PredictIt 2018 Senate data, shared by the crash
// test's child process (journaled engine) and its reference run (the same session, uninterrupted):
// fees, quotes (a one-cent spread around each close), a dip-buying strategy with orders every day,
// a kill switch episode, periodic flushes, and settlement of every market by its real resolution.
// `onOp(n)` is called after each journaled operation is applied (n = operations so far);
// `onAck(n)` after each operation whose promise resolved (durable: every operation ≤ n is).
import { readFileSync } from "node:fs";
import { FeeModel, parsePriceCsv } from "../../dist/index.js";

const dir = new URL("../../data/predictit-2018-senate/", import.meta.url);
export const rows = parsePriceCsv(readFileSync(new URL("prices.csv", dir), "utf8")).map((r) => ({
  timestamp: r.timestamp,
  marketId: r.marketId,
  bid: Math.max(0, Math.round((r.yesPrice - 0.01) * 100) / 100),
  ask: Math.min(1, Math.round((r.yesPrice + 0.01) * 100) / 100),
}));
export const resolutions = readFileSync(new URL("markets.csv", dir), "utf8")
  .trim()
  .split("\n")
  .slice(1)
  .map((line) => [line.slice(0, line.indexOf(",")), line.slice(line.lastIndexOf(",") + 1).trim()]);

/** The engine options of the session. */
export const engineOptions = () => ({
  capital: 10_000,
  fees: FeeModel.kalshi(),
  riskConfig: { maxPositionPerMarket: 5_000, maxOrderSize: 2_000, maxPortfolioNotional: 8_000, dedupWindowMs: 3_600_000, rateLimitSustained: 1, rateLimitBurst: 50 },
});

export async function session(engine, onOp = () => {}, onAck = () => {}) {
  let n = 0;
  const op = () => onOp(++n);
  engine.setFees(rows[0].marketId, FeeModel.polymarket({ rate: 0.05 }));
  op();
  let day = 0;
  await engine.replay(rows, {
    onTick: () => op(),
    onTimestamp: async (_t, e) => {
      day++;
      if (day === 60) {
        e.activateKillSwitch("mid-session pause");
        op();
      }
      if (day === 63) {
        e.deactivateKillSwitch();
        op();
      }
      if (day < 4) return;
      for (const id of e.marketIds()) {
        const h = e.priceHistory(id);
        const change = h[h.length - 1] - h[h.length - 4];
        const pos = e.position(id);
        let order;
        if (change <= -0.02 && (!pos || pos.side === "yes")) order = { marketId: id, side: "yes", action: "buy", size: 150 };
        else if (change >= 0.02 && pos) order = { marketId: id, side: pos.side, action: "sell", size: Math.min(pos.size, 100), allowPartial: true };
        else if ((day + id.length) % 9 === 0) order = { marketId: id, side: "no", action: "buy", size: 80, limitPrice: 0.9 };
        if (!order) continue;
        await e.submitOrder(order);
        op();
        onAck(n);
      }
      if (day % 10 === 0) {
        await e.flush();
        onAck(n);
      }
    },
  });
  for (const [id, outcome] of resolutions) {
    await engine.settle(id, outcome, "2018-11-07T00:00:00Z");
    op();
    onAck(n);
  }
  return n;
}

// The one portfolio every consumer case runs (metrics() on the default worker runtime, fixed
// seed). Copied into each template; the numbers must be bit-identical everywhere.
export async function run(lib) {
  const p = new lib.Portfolio({ name: "packaging", capital: 10_000 });
  p.addPosition({ marketId: "fed-cut", side: "yes", size: 400, entryPrice: 0.45, currentPrice: 0.52 });
  p.addPosition({ marketId: "recession", side: "no", size: 1000, entryPrice: 0.7, currentPrice: 0.65 });
  p.addPosition({ marketId: "btc-100k", side: "yes", size: 250, entryPrice: 0.3, currentPrice: 0.36 });
  const history = [
    [0.01, -0.02, 0.03],
    [0.03, 0.01, -0.01],
    [-0.02, 0.02, 0.02],
    [0.02, -0.01, -0.03],
    [0.01, 0.0, 0.01],
  ];
  const m = await p.metrics({ nSimulations: 20_000, seed: 42, tHours: 24, vol: 0.2, returnsHistory: history });
  const rp = await p.optimizeRiskParity(history);
  return JSON.stringify({ var95: m.var95, cvar95: m.cvar95, win: m.winProbability, expected: m.expectedPnl, delta: m.greeks["fed-cut"].delta, rp });
}

// The same flow as examples/node-script.ts, in Deno: the engine runs in a pool of module Web Workers
// (the shared engine, sized to the cores). Build a portfolio of five 2018 US Senate markets from the
// real PredictIt closes (as of 2018-10-01), compute every optimizer's target weights, turn risk parity
// into rebalance orders, and print the Monte Carlo risk metrics and Greeks. Fixed seed: stdout is
// identical to the Node script's, bit for bit (progress goes to stderr).
// Run (after `npm run build`): npx deno run -A examples/deno.ts
// "hz-portfolio" resolves through this repository's package.json (its exports), and the package's
// `comlink` import through node_modules; from elsewhere import the built "…/dist/index.js" or npm:hz-portfolio.
import { heldSidePrice, parsePriceCsv, Portfolio, shutdown, type Weights } from "hz-portfolio";

// Deno's fetch reads file: URLs (needs --allow-read).
const csv = await (await fetch(new URL("../data/predictit-2018-senate/prices.csv", import.meta.url))).text();
const AS_OF = Date.parse("2018-10-01T00:00:00Z"); // a month before the election
const closes = new Map<string, number[]>(); // market → daily YES closes up to AS_OF, oldest first
for (const r of parsePriceCsv(csv)) {
  if ((r.timestamp as number) > AS_OF) continue;
  if (!closes.has(r.marketId)) closes.set(r.marketId, []);
  closes.get(r.marketId)!.push(r.yesPrice);
}

const BOOK = [
  { marketId: "PI2928-TX-S1-R", side: "yes", size: 2000, entryPrice: 0.72 },
  { marketId: "PI3484-MO-S1-D", side: "no", size: 1500, entryPrice: 0.5 },
  { marketId: "PI2999-FL-S1-D", side: "yes", size: 1200, entryPrice: 0.55 },
  { marketId: "PI2941-WV-S1-D", side: "yes", size: 1000, entryPrice: 0.68 },
  { marketId: "PI2998-IN-S1-D", side: "no", size: 800, entryPrice: 0.45 },
] as const;
const DAYS = 60; // recorded history: the 60 daily closes up to AS_OF (held-side prices)
const METRICS = { nSimulations: 200_000, seed: 2018, tHours: 72, vol: 0.25 };

// The shared engine: a pool of Web Workers sized to navigator.hardwareConcurrency (results do not
// depend on the pool size).
const p = new Portfolio({ name: "senate-2018", capital: 10_000 });
try {
  for (const pos of BOOK) {
    const yes = closes.get(pos.marketId)!;
    p.addPosition({ ...pos, currentPrice: heldSidePrice(pos.side, yes[yes.length - DAYS - 1]!) });
    for (const y of yes.slice(-DAYS)) p.updatePrice(pos.marketId, heldSidePrice(pos.side, y));
  }
  console.log(p.summary());

  const targets: Record<string, Weights> = {
    kelly: await p.optimizeKelly({ probs: { "PI2928-TX-S1-R": 0.85, "PI3484-MO-S1-D": 0.35, "PI2999-FL-S1-D": 0.5 }, fraction: 0.5 }),
    equalWeight: await p.optimizeEqualWeight(),
    riskParity: await p.optimizeRiskParity(),
    riskParityErc: await p.optimizeRiskParity(undefined, { method: "erc" }),
    minVariance: await p.optimizeMinVariance(),
  };
  console.log(`\nTarget weights (Ledoit-Wolf on ${p.recordedReturns()!.length} recorded daily changes):`);
  console.log(`  ${"market".padEnd(15)}${Object.keys(targets).map((k) => k.padStart(15)).join("")}`);
  for (const id of p.marketIds()) {
    console.log(`  ${id.padEnd(15)}${Object.values(targets).map((w) => w[id]!.toFixed(6).padStart(15)).join("")}`);
  }

  const target = Object.fromEntries(Object.entries(targets.riskParity!).map(([id, w]) => [id, 0.4 * w]));
  console.log("\nRebalance orders to 40% of capital in risk parity:");
  for (const o of p.rebalanceOrders(target, { threshold: 0.001 })) {
    console.log(`  ${o.action.padEnd(4)} ${o.sizeDelta.toFixed(4).padStart(10)} ${o.side.padEnd(3)} ${o.marketId} @ ${o.price}`);
  }

  const m = await p.metrics({
    ...METRICS,
    onProgress: (done, total) => {
      if (done === total) console.error(`Monte Carlo: ${total} scenarios done`);
    },
  });
  console.log(`\nRisk at resolution (nSimulations ${m.nSimulations}, seed ${m.seed}, tHours ${m.tHours}, vol ${m.vol}):`);
  const rows: [string, number][] = [
    ["expectedPnl", m.expectedPnl],
    ["var95", m.var95],
    ["cvar95", m.cvar95],
    ["var99", m.var99],
    ["cvar99", m.cvar99],
    ["winProbability", m.winProbability],
    ["maxLoss", m.maxLoss],
    ["maxGain", m.maxGain],
    ["concentration", m.concentration],
    ["shrinkageIntensity", m.shrinkageIntensity],
  ];
  for (const [k, v] of rows) console.log(`  ${k.padEnd(20)}${v}`); // full precision: bit-identical everywhere
  console.log("Greeks (per position):");
  for (const [id, g] of Object.entries(m.greeks)) {
    console.log(`  ${id.padEnd(15)} delta ${g.delta.toFixed(6)}  gamma ${g.gamma.toFixed(6)}  theta/h ${g.theta.toFixed(6)}  vega ${g.vega.toFixed(6)}`);
  }
} finally {
  await shutdown(); // stop the shared pool: Web Workers would keep Deno running
}

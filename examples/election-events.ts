// An election book with events: PredictIt listed one contract per party for a Senate race, and at
// most one of them resolves YES. Declaring the pair as an event makes the risk numbers and Kelly
// sizes respect that. Real closes from data/predictit-2018-senate-events/ (as of 2018-10-15).
// Run: npx tsx examples/election-events.ts
import { readFileSync } from "node:fs";
import { heldSidePrice, parsePriceCsv, Portfolio, shutdown } from "hz-portfolio";

const asOf = Date.parse("2018-10-15T00:00:00Z");
const closes = new Map<string, number[]>();
const csv = readFileSync(new URL("../data/predictit-2018-senate-events/prices.csv", import.meta.url), "utf8");
for (const r of parsePriceCsv(csv)) {
  if ((r.timestamp as number) > asOf) continue;
  if (!closes.has(r.marketId)) closes.set(r.marketId, []);
  closes.get(r.marketId)!.push(r.yesPrice);
}

// Arizona (a toss-up that autumn) and Tennessee (a Republican favourite), one contract per party.
const book = [
  { marketId: "PI3812-AZ-S1-D", side: "yes", size: 1000, entryPrice: 0.45 },
  { marketId: "PI3812-AZ-S1-R", side: "no", size: 600, entryPrice: 0.42 },
  { marketId: "PI3772-TN-S1-R", side: "yes", size: 800, entryPrice: 0.7 },
  { marketId: "PI3772-TN-S1-D", side: "yes", size: 300, entryPrice: 0.25 },
] as const;

function portfolio(withEvents: boolean): Portfolio {
  const p = new Portfolio({ name: withEvents ? "with events" : "as independent binaries", capital: 10_000, seed: 7 });
  // Record the last 30 closes of each contract (held side): the copula's correlation comes from them.
  for (const pos of book) {
    const yes = closes.get(pos.marketId)!.slice(-30);
    p.addPosition({ ...pos, currentPrice: heldSidePrice(pos.side, yes[0]!) });
    for (const y of yes.slice(1)) p.updatePrice(pos.marketId, heldSidePrice(pos.side, y));
  }
  if (withEvents) {
    // Not exhaustive: a third-party win would resolve both contracts NO.
    p.defineEvent("AZ-S1", { markets: ["PI3812-AZ-S1-D", "PI3812-AZ-S1-R"] });
    p.defineEvent("TN-S1", { markets: ["PI3772-TN-S1-D", "PI3772-TN-S1-R"] });
  }
  return p;
}

const binary = portfolio(false);
const events = portfolio(true);
console.log(events.summary());

const money = (x: number) => x.toFixed(2).padStart(9);
console.log("\nRisk at resolution (200 000 scenarios, copula on the last 30 days):");
console.log("                          VaR95     CVaR95   P(win)   worst sim.  exact worst");
for (const p of [binary, events]) {
  const m = await p.metrics({ nSimulations: 200_000 });
  console.log(`  ${p.name.padEnd(22)} ${money(m.var95)} ${money(m.cvar95)}   ${m.winProbability.toFixed(3)}  ${money(m.maxLoss)}   ${money(m.worstCaseLoss)}`);
}

const m = await events.metrics({ nSimulations: 200_000 });
for (const [id, e] of Object.entries(m.events)) {
  console.log(`\nEvent ${id} (overround ${(100 * e.overround).toFixed(1)}%): expected P&L ${e.expectedPnl.toFixed(2)}, worst-case loss ${e.worstCaseLoss.toFixed(2)}`);
  for (const s of e.states) console.log(`  ${(s.outcome ?? "none of them").padEnd(16)} p = ${s.probability.toFixed(3)}  P&L ${money(s.pnl)}`);
}

// Your own view of Arizona: the Democrat at 55%, the Republican at 42% (3% for anyone else).
const probs = { "PI3812-AZ-S1-D": 0.55, "PI3812-AZ-S1-R": 0.42 };
const pct = (w: Record<string, number>) => Object.entries(w).map(([id, x]) => `${id} ${(100 * x).toFixed(2)}%`).join(", ");
console.log("\nKelly on Arizona (full Kelly):");
console.log(`  as independent binaries: ${pct(await binary.optimizeKelly({ probs }))}`);
console.log(`  as one event:            ${pct(await events.optimizeKelly({ probs }))}`);
console.log(`  joint log-growth:        ${pct(await events.optimizeKelly({ probs, method: "joint" }))}`);
await shutdown();

// A strict, Node-only TypeScript project (no DOM lib, skipLibCheck false) that uses the public API.
import { HzError, init, openJournal, Portfolio, shutdown, type PortfolioMetrics, type WasmSource } from "hz-portfolio";

const source: WasmSource = new URL("file:///tmp/hz_portfolio_bg.wasm");
export async function main(): Promise<number> {
  await init();
  await init({ wasm: source });
  const p = new Portfolio({ capital: 1000 });
  p.addPosition({ marketId: "a", side: "yes", size: 10, entryPrice: 0.5 });
  const m: PortfolioMetrics = await p.metrics({ nSimulations: 1000, seed: 1 });
  const j = await openJournal("/tmp/journal.log");
  await j.close();
  try {
    p.updatePrice("a", 2);
  } catch (e) {
    if (e instanceof HzError) console.log(e.code);
  }
  await shutdown();
  return m.var95;
}

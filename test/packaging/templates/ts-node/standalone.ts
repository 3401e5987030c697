// The types through the "hz-portfolio/standalone" subpath (the same declarations as the main entry).
import { init, Portfolio, type InitOptions, type PortfolioMetrics, type WasmSource } from "hz-portfolio/standalone";

export async function standalone(source: WasmSource): Promise<PortfolioMetrics> {
  const options: InitOptions = { wasm: source };
  await init(options);
  const p = new Portfolio({ capital: 1000, runtime: "inline" });
  p.addPosition({ marketId: "a", side: "yes", size: 10, entryPrice: 0.5 });
  return p.metrics({ nSimulations: 1000, seed: 1 });
}

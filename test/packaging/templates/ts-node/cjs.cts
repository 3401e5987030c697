// A CommonJS TypeScript module (NodeNext resolution picks the package's "require" entry).
import { Portfolio, type PortfolioMetrics } from "hz-portfolio";

export async function varOf(capital: number): Promise<PortfolioMetrics["var95"]> {
  const p = new Portfolio({ capital });
  p.addPosition({ marketId: "a", side: "yes", size: 10, entryPrice: 0.5 });
  return (await p.metrics({ nSimulations: 1000, seed: 1 })).var95;
}

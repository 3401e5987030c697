// The runtime suite in Deno, against the built package: npx deno test -A test/runtime/deno.test.ts
import * as lib from "../../dist/index.js";
import expected from "./expected-metrics.json" with { type: "json" };
import { cases } from "./suite.ts";

for (const c of cases) {
  Deno.test({ name: c.name, sanitizeOps: false, sanitizeResources: false, fn: () => c.run(lib, expected) });
}
Deno.test({ name: "shutdown", sanitizeOps: false, sanitizeResources: false, fn: () => lib.shutdown() });

// The engine journal in a file, through Deno's node:fs: journal, close, recover.
Deno.test({
  name: "journal: a file journal recovers the engine in Deno",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const path = `${dir}/engine.log`;
    const e = await lib.Engine.open(await lib.openJournal(path), { capital: 100, fees: lib.FeeModel.kalshi() });
    e.pushQuote("m", { bid: 0.4, ask: 0.42 }, Date.UTC(2025, 0, 1));
    await e.submitOrder({ marketId: "m", side: "yes", action: "buy", size: 10 });
    const saved = JSON.stringify(e);
    await e.close();
    const back = await lib.Engine.open(await lib.openJournal(path));
    if (JSON.stringify(back) !== saved) throw new Error(`recovered ${JSON.stringify(back)} != ${saved}`);
    await back.close();
    await Deno.remove(dir, { recursive: true });
  },
});

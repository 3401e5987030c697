// A worker module that cannot be loaded: WORKER_FAILED naming it and the fix (not "worker error: unknown").
import { HzError, init, Portfolio } from "hz-portfolio";

await init({ workerUrl: new URL("./no-such-dir/worker.js", import.meta.url) });
const p = new Portfolio({ capital: 100 });
p.addPosition({ marketId: "a", side: "yes", size: 10, entryPrice: 0.5 });
try {
  await p.metrics({ nSimulations: 1000, seed: 1 });
  console.log(JSON.stringify({ ok: true }));
} catch (e) {
  console.log(JSON.stringify({ hz: e instanceof HzError, code: e.code, message: e.message }));
}

export {};
const { predictionGreeks } = await import("../dist/index.js");
const inputs = Array.from({ length: 10_000 }, (_, i) => ({ price: 0.01 + (i % 98) / 100, size: 1 + (i % 7), side: i % 3 === 0 ? "no" : "yes", tHours: 24, vol: 0.2 }));
await predictionGreeks(inputs as never);
const ts: number[] = [];
for (let r = 0; r < 7; r++) { const t0 = performance.now(); await predictionGreeks(inputs as never); ts.push(performance.now() - t0); }
ts.sort((a, b) => a - b);
console.log("batch 10k median ms", ts[3]!.toFixed(2), "min", ts[0]!.toFixed(2));
let t0 = performance.now();
for (const x of inputs.slice(0, 1000)) await predictionGreeks(x as never);
console.log("1000 single calls (worker runtime default) ms", (performance.now() - t0).toFixed(1));
process.exit(0);

// Writes test/runtime/expected-metrics.json: the metrics of the fixed portfolio computed inline in
// Node. Every runtime and pool size must reproduce it bit for bit. Regenerate only when the engine's
// sampling deliberately changes: npx tsx test/runtime/make-expected.ts
import { writeFileSync } from "node:fs";
import * as lib from "../../dist/index.js";
import { determinismSnapshot } from "./suite.js";

const snapshot = await determinismSnapshot(lib, { runtime: "inline" });
writeFileSync(new URL("./expected-metrics.json", import.meta.url), JSON.stringify(snapshot, null, 1) + "\n");
console.log("wrote test/runtime/expected-metrics.json");

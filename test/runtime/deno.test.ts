// The runtime suite in Deno, against the built package: npx deno test -A test/runtime/deno.test.ts
import * as lib from "../../dist/index.js";
import expected from "./expected-metrics.json" with { type: "json" };
import { cases } from "./suite.ts";

for (const c of cases) {
  Deno.test({ name: c.name, sanitizeOps: false, sanitizeResources: false, fn: () => c.run(lib, expected) });
}
Deno.test({ name: "shutdown", sanitizeOps: false, sanitizeResources: false, fn: () => lib.shutdown() });

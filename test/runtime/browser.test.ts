// The runtime suite in real Chromium (vitest browser mode), against the built package.
import { afterAll, describe, it } from "vitest";
import * as lib from "../../dist/index.js";
import expected from "./expected-metrics.json";
import { cases } from "./suite.js";

describe("runtime suite (Chromium)", () => {
  afterAll(() => lib.shutdown());
  for (const c of cases) it(c.name, () => c.run(lib, expected), 120_000);
});

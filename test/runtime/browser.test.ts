// The runtime suite in real Chromium (vitest browser mode), against the built package.
import { afterAll, describe, expect, it } from "vitest";
import { gunzip } from "../../dist/gzip.js";
import * as lib from "../../dist/index.js";
import expected from "./expected-metrics.json";
import { cases } from "./suite.js";

describe("runtime suite (Chromium)", () => {
  afterAll(() => lib.shutdown());
  for (const c of cases) it(c.name, () => c.run(lib, expected), 120_000);
});

describe("gzip in Chromium", () => {
  it("a truncated or corrupt gzip stream rejects with a message about the gzip data (Chromium's stream error says \"Failed to fetch\")", async () => {
    const data = new Uint8Array(20_000).map((_, i) => (i * 7919) & 0xff);
    const gz = new Uint8Array(await new Response(new Blob([data]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer());
    expect(await gunzip(gz)).toEqual(data);
    await expect(gunzip(gz.subarray(0, gz.length >> 1))).rejects.toThrow(/gzip data is corrupt or truncated/);
    await expect(gunzip(new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]))).rejects.toThrow(/gzip data is corrupt or truncated/);
  });
});

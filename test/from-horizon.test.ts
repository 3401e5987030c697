// Every ```ts block of docs/from-horizon.md (the migration guide from the Horizon SDK) runs as
// written against the built package, imported as "hz-portfolio" (the package resolves itself), and
// exits cleanly. The blocks assert their own numbers, so the guide cannot drift from the code.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runBlocks, tsBlocks } from "./markdown-blocks.js";

const guide = readFileSync(new URL("../docs/from-horizon.md", import.meta.url), "utf8");
const blocks = tsBlocks("docs/from-horizon.md");

describe("docs/from-horizon.md examples", () => {
  it("has the worked examples", () => expect(blocks.length).toBeGreaterThanOrEqual(9));
  it("links the Python script that produced Horizon's side", () => {
    expect(guide).toContain("from-horizon/horizon_side.py");
    expect(readFileSync(new URL("../docs/from-horizon/horizon_side.py", import.meta.url), "utf8")).toContain("import horizon as hz");
  });
  runBlocks(blocks, "from-horizon");
});

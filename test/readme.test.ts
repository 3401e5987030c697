// Every ```ts block of the README runs as written (against the built package, imported as
// "hz-portfolio" — the package resolves itself) and exits cleanly.
import { describe, expect, it } from "vitest";
import { runBlocks, tsBlocks } from "./markdown-blocks.js";

const blocks = tsBlocks("README.md");

describe("README examples", () => {
  it("has examples", () => expect(blocks.length).toBeGreaterThanOrEqual(3));
  runBlocks(blocks, "readme");
});

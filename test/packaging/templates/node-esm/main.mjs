// Node ESM: import, compute, print — and no shutdown(): the process must exit by itself.
import * as lib from "hz-portfolio";
import { run } from "./portfolio.mjs";

console.log(await run(lib));

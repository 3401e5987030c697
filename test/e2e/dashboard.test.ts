// End-to-end test of the dashboard (examples/dashboard) in real Chromium, driven by playwright-core.
// It builds the app with Vite (a second or two), serves the build from a tiny static server, and checks
// that the replay advances, the metrics equal what Node computes for the same state and seed, the
// cancel button stops a long Monte Carlo run, executing orders updates the positions table, the
// charts are drawn and the page logs no errors. Artifact: test-results/dashboard.png.
// First, the "My portfolio" tab (the default): a position added by hand, each importer fixture
// (Polymarket JSON, Kalshi JSON, CSV) through the file input and drag-and-drop, a probability, a
// reload that keeps everything, risk with an event's worst-case loss, and the phone layout.
// Set HZ_UPDATE_DOCS_SCREENSHOT=1 to also refresh docs/dashboard.png and docs/dashboard-phone.png
// (the README's screenshots) and docs/dashboard-replay.png.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Portfolio, fromKalshiPositions, fromPolymarketPositions, parsePositionsCsv, shutdown, type PortfolioJSON, type PortfolioMetrics } from "../../dist/index.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const fixtures = join(root, "fixtures/importers");
const fixture = (name: string) => readFileSync(join(fixtures, name), "utf8");
const appDir = join(root, "examples/dashboard/dist");
const artifacts = join(root, "test-results");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".css": "text/css",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/** A static file server for `dir` on a free local port. */
function serve(dir: string): Promise<Server> {
  const server = createServer(async (req, res) => {
    let path = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
    if (path.endsWith("/")) path += "index.html";
    const file = resolve(dir, `.${path}`);
    if (file !== dir && !file.startsWith(dir + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { "Content-Type": TYPES[extname(file)] ?? "application/octet-stream", "Cache-Control": "no-store" }).end(body);
    } catch {
      res.writeHead(404).end("not found");
    }
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server)));
}

interface MetricsRun {
  step: number;
  date: string;
  options: { nSimulations: number; seed: number; tHours: number; vol: number };
  portfolio: PortfolioJSON;
  metrics: PortfolioMetrics;
}

let server: Server;
let browser: Browser;
let page: Page;
let base: string;
const pageErrors: string[] = [];

const hz = <T>(fn: string): Promise<T> => page.evaluate(`(() => { const hz = window.__hz; return ${fn}; })()`) as Promise<T>;
const lastRun = async (): Promise<MetricsRun> => JSON.parse(await hz<string>("JSON.stringify(hz.last)")) as MetricsRun;
const idle = () => page.waitForFunction(() => window.__hz.ready && !window.__hz.busy, undefined, { timeout: 60_000 });

/** Types a value into a control and commits it (leaving the field fires `change`, as for a user). */
async function setInput(testid: string, value: string): Promise<void> {
  await page.getByTestId(testid).fill(value);
  await page.getByTestId(testid).blur();
}

/** Metrics of the page's portfolio snapshot, recomputed in Node (worker_threads) with the same options. */
async function nodeMetrics(run: MetricsRun): Promise<PortfolioMetrics> {
  const p = Portfolio.fromJSON(run.portfolio);
  return JSON.parse(JSON.stringify(await p.metrics(run.options))) as PortfolioMetrics;
}

describe("dashboard in Chromium", () => {
  beforeAll(async () => {
    // Always rebuild (about a second), so the test never runs a stale app against a fresh dist/.
    execFileSync(process.execPath, [join(root, "node_modules/vite/bin/vite.js"), "build", "--config", "examples/dashboard/vite.config.ts", "--logLevel", "warn"], {
      cwd: root,
      stdio: "inherit",
    });
    server = await serve(appDir);
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      headless: true,
      args: ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("console", (m) => {
      if (m.type() === "error") pageErrors.push(`console.error: ${m.text()}`);
    });
    page.on("pageerror", (e) => pageErrors.push(`pageerror: ${e.message}`));
    page.on("requestfailed", (r) => pageErrors.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ""}`));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((ok) => (server ? server.close(ok) : ok(undefined)));
    await shutdown();
  });

  // ---------------------------------------------------------------- My portfolio

  interface MineState {
    portfolio: PortfolioJSON;
    probs: [string, number][];
    fee: { kind: string; value?: number };
    eventLabels: [string, string][];
  }
  const mine = <T>(fn: string): Promise<T> => page.evaluate(`(() => { const m = window.__mine; return ${fn}; })()`) as Promise<T>;
  const state = async (): Promise<MineState> => JSON.parse(await mine<string>("JSON.stringify(m.state())")) as MineState;
  const mineIdle = () => page.waitForFunction(() => window.__mine?.ready && !window.__mine.busy, undefined, { timeout: 60_000 });
  const message = async () => ({ kind: await page.getByTestId("my-message").getAttribute("data-kind"), text: (await page.getByTestId("my-message").textContent()) ?? "" });
  const money2 = (x: number) => `${x < 0 ? "−" : ""}$${Math.abs(x).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

  it("opens on My portfolio; adds, edits and removes a position by hand; bad input is refused, formatted, changing nothing", async () => {
    await page.goto(base);
    await page.evaluate(() => localStorage.clear());
    await page.reload();
    await mineIdle();
    expect(await page.getByTestId("tab-mine").getAttribute("aria-selected")).toBe("true");
    expect(await page.getByTestId("demo-tab").isHidden()).toBe(true);
    const form = async (v: Record<string, string>) => {
      for (const [k, x] of Object.entries(v)) {
        if (k === "side") await page.getByTestId("form-side").selectOption(x);
        else await page.getByTestId(`form-${k}`).fill(x);
      }
      await page.getByTestId("form-submit").click();
    };
    await form({ market: "fed-cut", side: "yes", size: "400", entry: "0.45", price: "0.52", label: "Fed cut in 2030?", resolves: "2030-01-01T12:00" });
    await form({ market: "__proto__", side: "no", size: "1000", entry: "0.7", price: "0.65", label: "", resolves: "" });
    const rows = page.getByTestId("my-position-row");
    expect(await rows.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.market))).toEqual(["fed-cut", "__proto__"]);
    expect(await page.locator("[data-market=fed-cut] [data-testid=my-size]").textContent()).toBe("400.00");
    expect(await page.getByTestId("my-total-value").textContent()).toBe("$858.00"); // 400 × 0.52 + 1000 × 0.65
    const s = await state();
    expect(s.portfolio.positions[0]).toMatchObject({ marketId: "fed-cut", label: "Fed cut in 2030?", resolvesAt: await page.evaluate(() => new Date("2030-01-01T12:00").getTime()) });
    expect(s.portfolio.positions[1]).toMatchObject({ marketId: "__proto__", side: "no", size: 1000 });

    // Bad input: the library's HzError, formatted; nothing changes.
    const before = JSON.stringify(await state());
    await form({ market: "fed-cut", side: "yes", size: "-5", entry: "0.45", price: "", label: "", resolves: "" });
    let m = await message();
    expect(m.kind).toBe("error");
    expect(m.text).toMatch(/^position: INVALID_SIZE: market "fed-cut"/);
    await form({ market: "x", side: "yes", size: "10", entry: "1.000000123456", price: "", label: "", resolves: "" });
    m = await message();
    expect(m.text).toMatch(/INVALID_PRICE/);
    expect(m.text).not.toMatch(/\d\.\d{5,}/); // raw floats are formatted
    expect(JSON.stringify(await state())).toBe(before);

    // Edit (the form is filled from the row) and remove.
    await page.locator("[data-market=fed-cut] [data-testid=edit-position]").click();
    expect(await page.getByTestId("form-size").inputValue()).toBe("400");
    await page.getByTestId("form-size").fill("500");
    await page.getByTestId("form-submit").click();
    expect(await page.locator("[data-market=fed-cut] [data-testid=my-size]").textContent()).toBe("500.00");
    await page.locator("[data-market=__proto__] [data-testid=remove-position]").click();
    expect(await rows.count()).toBe(1);
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it("imports each fixture (Polymarket and Kalshi JSON, CSV; file input and drag-and-drop) with its events as groups", async () => {
    const ids = async () => (await state()).portfolio.positions.map((p) => p.marketId);
    // Polymarket, through the file input
    await page.getByTestId("import-file").setInputFiles(join(fixtures, "polymarket-positions.json"));
    await page.waitForFunction(() => window.__mine.messages.at(-1)?.text.startsWith("imported"));
    const poly = fromPolymarketPositions(JSON.parse(fixture("polymarket-positions.json")));
    expect(await ids()).toEqual(["fed-cut", ...poly.positions.map((p) => p.marketId)]);
    expect((await message()).text).toMatch(/^imported 6 positions and 1 event from polymarket-positions\.json; skipped 2/);
    // Kalshi: positions with its markets and events, together
    await page.getByTestId("import-file").setInputFiles(["kalshi-positions-fp.json", "kalshi-markets-dollars.json", "kalshi-events.json"].map((f) => join(fixtures, f)));
    await page.waitForFunction(() => window.__mine.messages.at(-1)?.text.includes("kalshi-positions-fp.json"));
    const kalshi = fromKalshiPositions(JSON.parse(fixture("kalshi-positions-fp.json")), { markets: JSON.parse(fixture("kalshi-markets-dollars.json")), events: JSON.parse(fixture("kalshi-events.json")) });
    expect((await message()).kind).toBe("ok");
    // CSV, dropped on the drop zone
    const csv = fixture("positions.csv");
    const dt = await page.evaluateHandle((text) => {
      const d = new DataTransfer();
      d.items.add(new File([text], "positions.csv", { type: "text/csv" }));
      return d;
    }, csv);
    await page.getByTestId("drop-zone").dispatchEvent("drop", { dataTransfer: dt });
    await page.waitForFunction(() => window.__mine.messages.at(-1)?.text.includes("positions.csv"));
    const fromCsv = parsePositionsCsv(csv);
    expect(await ids()).toEqual(["fed-cut", ...poly.positions, ...kalshi.positions, ...fromCsv.positions].map((p) => (typeof p === "string" ? p : p.marketId)));
    const s = await state();
    expect(s.portfolio.events!.map((e) => e.eventId)).toEqual(["presidential-election-winner-2028", "KXFEDDECISION-26DEC", "pres-2028"]);
    expect(s.eventLabels).toContainEqual(["KXFEDDECISION-26DEC", "Fed decision in December 2026"]);
    // events are shown as groups, their markets under them
    expect(await page.getByTestId("event-group").evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.event))).toEqual(["presidential-election-winner-2028", "KXFEDDECISION-26DEC", "pres-2028"]);
    const order = await page.locator("[data-testid=my-positions] tbody tr").evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.event ?? (e as HTMLElement).dataset.market ?? ""));
    expect(order.slice(order.indexOf("pres-2028"), order.indexOf("pres-2028") + 3)).toEqual(["pres-2028", "election-alice", "election-bob"]);
    expect(await page.locator("tr[data-market=fed-cut-dec]").textContent()).toContain("Fed cut in December, 2026?");

    // A malformed file imports nothing and says which row and field.
    const before = JSON.stringify(await state());
    await page.getByTestId("import-file").setInputFiles({ name: "bad.csv", mimeType: "text/csv", buffer: Buffer.from("market_id,side,size,entry_price\na,yes,10,0.5\nb,maybe,10,0.5\n") });
    await page.waitForFunction(() => window.__mine.messages.at(-1)?.kind === "error");
    expect((await message()).text).toMatch(/^import bad\.csv: INVALID_ARGUMENT: .*row 2/);
    expect(JSON.stringify(await state())).toBe(before);
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it("takes my probabilities and a fee model, proposes Kelly orders (never on a resolved market), and keeps everything across a reload", async () => {
    const prob = (id: string) => page.locator(`[data-testid=prob-input][data-market="${id}"]`);
    await prob("fed-cut").fill("0.7");
    await prob("fed-cut").blur();
    await prob("election-alice").fill("0.45");
    await prob("election-alice").blur();
    await prob("__proto__").fill("0.2");
    await prob("__proto__").blur();
    // A bad probability is refused, formatted.
    await prob("election-bob").fill("1.5");
    await prob("election-bob").blur();
    expect((await message()).text).toMatch(/INVALID_PROBABILITY: market "election-bob": probability must be in \[0, 1\]/);
    // A resolved market (won: price 1) with a probability is never traded.
    await page.getByTestId("form-market").fill("done-deal");
    await page.getByTestId("form-size").fill("100");
    await page.getByTestId("form-entry").fill("0.4");
    await page.getByTestId("form-price").fill("1");
    await page.getByTestId("form-submit").click();
    await prob("done-deal").fill("0.99");
    await prob("done-deal").blur();
    await page.getByTestId("fee-model").selectOption("kalshi");
    await page.getByTestId("my-capital").fill("5000");
    await page.getByTestId("my-capital").blur();
    await page.getByTestId("kelly-button").click();
    await page.waitForFunction(() => window.__mine.orders.length > 0);
    await mineIdle();
    const orders = await mine<{ marketId: string; estimatedFee?: number }[]>("m.orders");
    expect(orders.map((o) => o.marketId)).not.toContain("done-deal");
    expect(orders.every((o) => o.estimatedFee !== undefined)).toBe(true);
    expect(await page.getByTestId("my-order-row").count()).toBe(orders.length);
    for (const text of await page.locator("[data-testid=my-orders] td").allTextContents()) expect(text).not.toMatch(/\d\.\d{5,}/);

    const s = await state();
    expect(s.probs).toEqual([["fed-cut", 0.7], ["election-alice", 0.45], ["__proto__", 0.2], ["done-deal", 0.99]]);
    expect(s.fee).toEqual({ kind: "kalshi" });
    expect(s.portfolio.capital).toBe(5000);
    await page.reload();
    await mineIdle();
    expect(JSON.stringify(await state())).toBe(JSON.stringify(s));
    expect(await prob("__proto__").inputValue()).toBe("0.2");
    expect(await page.getByTestId("fee-model").inputValue()).toBe("kalshi");
    expect(await page.getByTestId("my-position-row").count()).toBe(s.portfolio.positions.length);
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it("runs risk with my probabilities: VaR/CVaR, each event's worst-case loss, Greeks at each position's time to resolution", async () => {
    await page.getByTestId("my-run").click();
    await page.waitForFunction(() => window.__mine.last !== null && !window.__mine.busy, undefined, { timeout: 60_000 });
    const m = JSON.parse(await mine<string>("JSON.stringify(m.last)")) as PortfolioMetrics;
    const s = await state();
    // Node, from the saved state: the same exact event results
    const p = Portfolio.fromJSON(s.portfolio);
    const node = await p.metrics({ nSimulations: 20_000, seed: 42, tHours: 24, vol: 0.2, probs: Object.fromEntries(s.probs.filter(([id]) => id !== "done-deal")), asOf: m.asOf! });
    expect(m.var95).toBe(node.var95);
    expect(m.cvar95).toBe(node.cvar95);
    expect(m.winProbability).toBe(node.winProbability);
    expect(m.greeks).toEqual(JSON.parse(JSON.stringify(node.greeks)));
    expect(m.tHoursByMarket["__proto__"]).toBe(24); // no resolution date: the hours field
    expect(m.tHoursByMarket["fed-cut"]).toBeGreaterThan(24 * 365); // 2030
    const worst = page.locator("[data-testid=my-event-row][data-event=pres-2028] [data-testid=event-worst-case]");
    expect(Number(await worst.getAttribute("data-value"))).toBe(node.events["pres-2028"]!.worstCaseLoss);
    expect(await worst.textContent()).toBe(money2(node.events["pres-2028"]!.worstCaseLoss));
    expect(await page.getByTestId("my-event-row").count()).toBe(3);
    expect(await page.getByTestId("my-metric-var95").textContent()).toBe(money2(node.var95));
    expect(await page.getByTestId("my-greeks-row").count()).toBe(s.portfolio.positions.length);
    expect(await page.getByTestId("greeks-explain").textContent()).toContain("$1 per +1¢");
    expect(await page.locator("[data-testid=my-histogram] svg rect").count()).toBe(m.pnlHistogram.counts.length);
    expect(pageErrors).toEqual([]);

    // Kelly orders on screen too, for the screenshot
    await page.getByTestId("kelly-button").click();
    await page.waitForFunction(() => window.__mine.orders.length > 0 && !window.__mine.busy);
    mkdirSync(artifacts, { recursive: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    const png = await page.screenshot({ fullPage: true });
    writeFileSync(join(artifacts, "dashboard-mine.png"), png);
    if (process.env.HZ_UPDATE_DOCS_SCREENSHOT) writeFileSync(join(root, "docs/dashboard.png"), png);
  }, 120_000);

  it("exports everything to a JSON file and imports it back (after Remove all)", async () => {
    const saved = JSON.stringify(await state());
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-button").click()]);
    const file = join(artifacts, "dashboard-export.json");
    await download.saveAs(file);
    expect(JSON.stringify(JSON.parse(readFileSync(file, "utf8")))).toBe(saved);
    page.once("dialog", (d) => void d.accept());
    await page.getByTestId("clear-all").click();
    await page.waitForFunction(() => window.__mine.state().portfolio.positions.length === 0);
    expect((await state()).probs).toEqual([]);
    // a file of another format is refused, formatted, and changes nothing
    await page.getByTestId("import-file").setInputFiles({ name: "other.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify({ hello: 1 })) });
    await page.waitForFunction(() => window.__mine.messages.at(-1)?.kind === "error");
    expect((await message()).text).toMatch(/^import other\.json: INVALID_ARGUMENT: other\.json: not a Polymarket positions array/);
    await page.getByTestId("import-file").setInputFiles(file);
    await page.waitForFunction(() => window.__mine.messages.at(-1)?.text.startsWith("restored"));
    expect(JSON.stringify(await state())).toBe(saved);
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it("fits a 390 px phone: no page overflow (wide tables scroll inside their card)", async () => {
    // same storage as the main page: the portfolio entered above
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, storageState: await page.context().storageState() });
    const phone = await context.newPage();
    phone.on("console", (m) => {
      if (m.type() === "error") pageErrors.push(`phone console.error: ${m.text()}`);
    });
    phone.on("pageerror", (e) => pageErrors.push(`phone pageerror: ${e.message}`));
    await phone.goto(base);
    await phone.waitForFunction(() => window.__mine?.ready);
    await phone.getByTestId("my-run").click();
    await phone.waitForFunction(() => window.__mine.last !== null && !window.__mine.busy, undefined, { timeout: 60_000 });
    const widths = await phone.evaluate(() => ({ page: document.documentElement.scrollWidth, body: document.body.scrollWidth, view: window.innerWidth }));
    expect(widths.page).toBeLessThanOrEqual(widths.view);
    expect(widths.body).toBeLessThanOrEqual(widths.view);
    await phone.getByTestId("kelly-button").click();
    await phone.waitForFunction(() => window.__mine.orders.length > 0 && !window.__mine.busy);
    await phone.evaluate(() => window.scrollTo(0, 0)); // the header is sticky
    const png = await phone.screenshot({ fullPage: true });
    writeFileSync(join(artifacts, "dashboard-phone.png"), png);
    if (process.env.HZ_UPDATE_DOCS_SCREENSHOT) writeFileSync(join(root, "docs/dashboard-phone.png"), png);
    await context.close();
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it("shows the correlation heatmap once the prices have a history (each saved price change is an observation)", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } }); // empty storage
    const p2 = await context.newPage();
    p2.on("console", (m) => {
      if (m.type() === "error") pageErrors.push(`heatmap page console.error: ${m.text()}`);
    });
    await p2.goto(base);
    await p2.waitForFunction(() => window.__mine?.ready);
    const prices: Record<string, string[]> = { a: ["0.40", "0.45", "0.43", "0.50"], b: ["0.60", "0.58", "0.61", "0.55"] };
    for (const [id, ps] of Object.entries(prices)) {
      for (const [k, x] of ps.entries()) {
        await p2.getByTestId("form-market").fill(id);
        await p2.getByTestId("form-size").fill("100");
        await p2.getByTestId("form-entry").fill(ps[0]!);
        await p2.getByTestId("form-price").fill(x);
        await p2.getByTestId("form-submit").click();
        await p2.waitForFunction(([m, n]) => window.__mine.state().portfolio.positions.find((p) => p.marketId === m)?.prices.length === n, [id, k + 1] as const);
      }
    }
    await p2.getByTestId("my-run").click();
    await p2.waitForFunction(() => window.__mine.last !== null && !window.__mine.busy, undefined, { timeout: 60_000 });
    expect(await p2.evaluate(() => window.__mine.last!.correlationMatrix?.length)).toBe(2);
    expect(await p2.locator("[data-testid=my-heatmap] svg rect").count()).toBe(4);
    expect(await p2.getByTestId("my-heatmap").isVisible()).toBe(true);
    await context.close();
    expect(pageErrors).toEqual([]);
  }, 120_000);

  // ---------------------------------------------------------------- Demo replay

  it("loads and replays the PredictIt data, with live metrics from the worker pool", async () => {
    await page.goto(`${base}#demo`);
    await page.waitForFunction(() => window.__hz?.ready === true, undefined, { timeout: 30_000 });
    expect(await hz<number>("hz.steps")).toBe(159);
    const first = await hz<number>("hz.step");
    await page.waitForFunction((n) => window.__hz.step >= n, first + 20, { timeout: 30_000 });
    expect(await hz<boolean>("hz.playing")).toBe(true);
    await page.getByTestId("play-toggle").click();
    await idle();
    const step = await hz<number>("hz.step");
    expect(step).toBeGreaterThan(first + 20 - 1);
    expect(Number(await page.getByTestId("replay-step").textContent())).toBe(step);
    expect(await page.getByTestId("replay-date").textContent()).toMatch(/^2018-0[6-9]-\d\d$/);
    // Still paused: the replay does not move.
    await page.waitForTimeout(500);
    expect(await hz<number>("hz.step")).toBe(step);
    // One step, by the Step button.
    await page.getByTestId("step-button").click();
    await page.waitForFunction((n) => window.__hz.step === n, step + 1);
    await idle();
    expect(await page.getByTestId("position-row").count()).toBeGreaterThan(3);

    const run = await lastRun();
    expect(run.step).toBe(step + 1);
    expect(await hz<string>("hz.status")).toBe("done");
    expect(run.options).toEqual({ nSimulations: 20_000, seed: 42, tHours: 24, vol: 0.2 });
    // The metrics are those of the state on screen.
    expect(JSON.stringify(run.portfolio)).toBe(await hz<string>("JSON.stringify(hz.portfolio())"));
    expect(run.metrics.correlationMatrix).not.toBeNull(); // copula on the recorded daily changes
    for (const [id, key] of [["metric-var95", "var95"], ["metric-cvar95", "cvar95"], ["metric-win", "winProbability"], ["metric-hhi", "concentration"]] as const) {
      expect(await page.getByTestId(id).getAttribute("data-value")).toBe(String(run.metrics[key]));
    }
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it("shows exactly the metrics Node computes for the same portfolio and seed", async () => {
    const run = await lastRun();
    expect(JSON.stringify(await nodeMetrics(run))).toBe(JSON.stringify(run.metrics));

    // Other controls: the page re-runs (live) with them, and Node still agrees bit for bit.
    await setInput("input-nsim", "50000");
    await setInput("input-seed", "7");
    await setInput("input-thours", "72");
    await setInput("input-vol", "0.35");
    await idle();
    const run2 = await lastRun();
    expect(run2.options).toEqual({ nSimulations: 50_000, seed: 7, tHours: 72, vol: 0.35 });
    expect(run2.metrics.seed).toBe(7);
    expect(JSON.stringify(await nodeMetrics(run2))).toBe(JSON.stringify(run2.metrics));
    expect(JSON.stringify(run2.metrics)).not.toBe(JSON.stringify(run.metrics));
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it("cancels a long Monte Carlo run", async () => {
    await page.getByTestId("live-toggle").uncheck();
    await idle();
    const runs = await hz<number>("hz.runs");
    await setInput("input-nsim", "10000000");
    await page.getByTestId("mc-run").click();
    // Press Cancel as soon as the progress bar moves (from inside the page: no round trip, so even a
    // fast machine cannot finish 10M scenarios first).
    const atCancel = await page.evaluate(async () => {
      const bar = document.querySelector("[data-testid=mc-progress]") as HTMLProgressElement;
      while (!(window.__hz.status === "running" && bar.value > 0)) await new Promise((r) => setTimeout(r, 1));
      (document.querySelector("[data-testid=mc-cancel]") as HTMLButtonElement).click();
      return bar.value;
    });
    const t0 = Date.now();
    expect(atCancel).toBeGreaterThan(0);
    await page.waitForFunction(() => window.__hz.status === "cancelled", undefined, { timeout: 10_000 });
    const stopMs = Date.now() - t0;
    const progress = await page.getByTestId("mc-progress").evaluate((e) => (e as HTMLProgressElement).value);
    expect(progress).toBeGreaterThan(0);
    expect(progress).toBeLessThan(1);
    await page.waitForTimeout(700);
    // Stopped: no more progress, no result, the controls are back.
    expect(await page.getByTestId("mc-progress").evaluate((e) => (e as HTMLProgressElement).value)).toBe(progress);
    expect(await hz<number>("hz.runs")).toBe(runs);
    expect(await page.getByTestId("mc-status").getAttribute("data-status")).toBe("cancelled");
    expect(await page.getByTestId("mc-cancel").isDisabled()).toBe(true);
    expect(await page.getByTestId("mc-run").isEnabled()).toBe(true);
    expect(stopMs).toBeLessThan(5_000);
    // Back to a quick run.
    await setInput("input-nsim", "20000");
    await setInput("input-seed", "42");
    await setInput("input-thours", "24");
    await setInput("input-vol", "0.2");
    await page.getByTestId("live-toggle").check();
    await page.getByTestId("mc-run").click();
    await idle();
    expect(await hz<string>("hz.status")).toBe("done");
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it("executes the rebalance orders through the engine's RiskConfig and updates the positions", async () => {
    const sizesBefore = await page.getByTestId("position-size").allTextContents();
    await page.getByTestId("optimizer-equal").check();
    const statuses: string[] = [];
    // 20% of equity: mostly sells, which the exposure limit never blocks. Then 100% of equity asks
    // for more than maxTotalExposure (6 000) allows: some buys are rejected, and the page says why.
    for (const invest of ["20", "100"]) {
      await setInput("input-invest", invest);
      await idle();
      const orders = await hz<{ marketId: string; action: string; sizeDelta: number }[]>("hz.orders");
      expect(orders.length).toBeGreaterThan(0);
      expect(await page.getByTestId("order-row").count()).toBe(orders.length);
      const before = await hz<string>("hz.executions.length === 0 ? '' : hz.executions[0].orderId");
      await page.getByTestId("execute-button").click();
      await page.waitForFunction((id) => window.__hz.executions.length > 0 && window.__hz.executions[0]!.orderId !== id, before);
      await expect.poll(() => page.getByTestId("execution-result").count()).toBe(orders.length);
      const shown = await page.getByTestId("execution-result").evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.status!));
      if (invest === "100") {
        expect(shown).toContain("rejected");
        expect(await page.getByTestId("execution-results").textContent()).toContain("rejected (maxTotalExposure)");
      }
      statuses.push(...shown);
      await idle();
    }
    expect(statuses).toContain("filled");

    // The positions table shows the engine's new positions (followed by the Portfolio).
    const sizesAfter = await page.getByTestId("position-size").allTextContents();
    expect(sizesAfter).not.toEqual(sizesBefore);
    const engine = await hz<{ positions: { marketId: string; size: number }[] }>("hz.engine()");
    const rows = await page.getByTestId("position-row").evaluateAll((els) => els.map((e) => [(e as HTMLElement).dataset.market, e.querySelector("[data-testid=position-size]")!.textContent]));
    expect(rows).toEqual(engine.positions.map((p) => [p.marketId, p.size.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })]));
    // messages are formatted: no raw floats in the rejection reasons
    expect(await page.getByTestId("execution-results").textContent()).not.toMatch(/\d\.\d{5,}/);
    expect(Number(await page.getByTestId("engine-positions").getAttribute("data-value"))).toBeLessThanOrEqual(6_000 * (1 + 1e-9));
    // The metrics were recomputed for the new positions, and still match Node.
    const run = await lastRun();
    expect(JSON.stringify(run.portfolio)).toBe(await hz<string>("JSON.stringify(hz.portfolio())"));
    expect(JSON.stringify(await nodeMetrics(run))).toBe(JSON.stringify(run.metrics));
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it("draws the charts and renders a non-blank page (test-results/dashboard.png)", async () => {
    const counts = await page.evaluate(() => {
      const n = (sel: string) => document.querySelectorAll(sel).length;
      return {
        bars: n("[data-testid=weights-chart] svg rect"),
        histogram: n("[data-testid=histogram] svg rect"),
        markers: n("[data-testid=histogram] svg line[stroke-dasharray]"),
        heatmap: n("[data-testid=heatmap] svg rect"),
        equity: (document.querySelector("[data-testid=equity-chart] polyline")?.getAttribute("points") ?? "").split(" ").length,
        greeks: n("[data-testid=greeks-table] tbody tr"),
        positions: n("[data-testid=position-row]"),
      };
    });
    const run = await lastRun();
    const n = run.metrics.correlationMarkets.length;
    expect(counts.bars).toBe(5 * counts.positions);
    expect(counts.histogram).toBe(run.metrics.pnlHistogram.counts.length);
    expect(counts.markers).toBe(2); // VaR95 and CVaR95
    expect(counts.heatmap).toBe(n * n);
    expect(counts.greeks).toBe(counts.positions);
    expect(counts.equity).toBeGreaterThan(20);

    mkdirSync(artifacts, { recursive: true });
    await page.evaluate(() => window.scrollTo(0, 0)); // the header is sticky
    const png = await page.screenshot({ fullPage: true });
    writeFileSync(join(artifacts, "dashboard.png"), png);
    if (process.env.HZ_UPDATE_DOCS_SCREENSHOT) writeFileSync(join(root, "docs/dashboard-replay.png"), await page.screenshot({ fullPage: true }));
    expect(new Set(png).size).toBeGreaterThan(200);
    // Decode the PNG in the page and look at its pixels: many colours, not one flat field.
    const pixels = await page.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement("canvas");
      c.width = img.width;
      c.height = img.height;
      const ctx = c.getContext("2d")!;
      ctx.drawImage(img, 0, 0);
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      const colours = new Set<number>();
      let sum = 0;
      let sum2 = 0;
      for (let i = 0; i < d.length; i += 4) {
        colours.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
        const l = 0.299 * d[i]! + 0.587 * d[i + 1]! + 0.114 * d[i + 2]!;
        sum += l;
        sum2 += l * l;
      }
      const k = d.length / 4;
      return { width: c.width, height: c.height, colours: colours.size, sd: Math.sqrt(sum2 / k - (sum / k) ** 2) };
    }, png.toString("base64"));
    expect(pixels.width).toBe(1280);
    expect(pixels.height).toBeGreaterThan(900);
    expect(pixels.colours).toBeGreaterThan(500);
    expect(pixels.sd).toBeGreaterThan(10);
  }, 120_000);

  it("a reload mid-replay resumes the engine from its IndexedDB journal", async () => {
    await page.waitForFunction(() => window.__hz.ready, undefined, { timeout: 30_000 });
    if (!(await hz<boolean>("hz.playing"))) await page.getByTestId("play-toggle").click();
    const before = await hz<number>("hz.step");
    await page.waitForFunction((n) => window.__hz.step >= n, before + 3, { timeout: 30_000 });
    await page.getByTestId("play-toggle").click(); // pause
    await idle();
    const step = await hz<number>("hz.step");
    await page.waitForTimeout(300); // ticks are durable within the journal's flush interval (100 ms)
    const saved = await hz<string>("JSON.stringify(hz.engine())");
    await page.reload();
    await page.waitForFunction(() => window.__hz?.ready === true, undefined, { timeout: 30_000 });
    // the engine came back from IndexedDB exactly as it was, and the replay went on from the next day
    expect(await hz<string>("JSON.stringify(hz.resumed)")).toBe(saved);
    expect(await hz<number>("hz.step")).toBeGreaterThan(step);
    expect(await hz<number>("hz.step")).toBeLessThan(step + 5);
    // Reset forgets the journal: a fresh session starts from day 1
    await page.getByTestId("reset-button").click();
    await page.waitForFunction(() => window.__hz.step <= 2, undefined, { timeout: 30_000 });
  }, 120_000);

  it("at the end of the replay, resolved markets (1¢ / 99¢ on election day) are never proposed", async () => {
    await page.getByTestId("speed").selectOption("1000");
    await page.getByTestId("optimizer-equal").check();
    await setInput("input-invest", "100");
    if (!(await hz<boolean>("hz.playing"))) await page.getByTestId("play-toggle").click();
    await page.waitForFunction(() => window.__hz.step === window.__hz.steps && !window.__hz.playing, undefined, { timeout: 100_000 });
    await idle();
    const orders = await hz<{ marketId: string; price: number }[]>("hz.orders");
    const last = await hz<Record<string, number>>("Object.fromEntries(hz.portfolio().positions.map((p) => [p.marketId, p.side === 'yes' ? p.currentPrice : 1 - p.currentPrice]))");
    const resolvedHeld = Object.entries(last).filter(([, y]) => y <= 0.01 || y >= 0.99).map(([id]) => id);
    expect(resolvedHeld.length).toBeGreaterThan(0); // the check below is not vacuous
    for (const o of orders) expect(resolvedHeld).not.toContain(o.marketId);
    for (const o of orders) expect(o.price > 0.01 && o.price < 0.99).toBe(true);
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it("the replay tab fits a 390 px phone too", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it("logged no console errors or page errors", () => {
    expect(pageErrors).toEqual([]);
  });
});

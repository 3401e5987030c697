/// <reference types="vite/client" />
// The hz-portfolio dashboard. "My portfolio" (mine.ts, the default tab) is the trader's own book;
// "Demo replay" (this file) replays the real PredictIt 2018 Senate closes through a paper-trading
// Engine with a simple dip-buying strategy, follows it with a Portfolio, and shows live positions,
// the four optimizers' target weights with their rebalance orders (executable through the engine's
// RiskConfig), and Monte Carlo risk computed in the library's worker pool.
import {
  Engine,
  HzError,
  Portfolio,
  RiskConfig,
  openJournal,
  parsePriceCsv,
  type EngineJSON,
  type OrderResult,
  type PortfolioJSON,
  type PortfolioMetrics,
  type RebalanceOrder,
  type Weights,
} from "hz-portfolio";
import csv from "../../../data/predictit-2018-senate/prices.csv?raw";
import { groupedBars, heatmap, histogram, sparkline } from "./charts";
import { formatMessage, shares } from "./format";
import { startMine } from "./mine";
import "./style.css";

// ------------------------------------------------------------------ set-up

const CAPITAL = 10_000;
const RISK = { maxPositionPerMarket: 20_000, maxOrderSize: 10_000, maxTotalExposure: 6_000, maxDailyLoss: 200 };
const rows = parsePriceCsv(csv);
const DAYS = new Set(rows.map((r) => r.timestamp)).size;
/** The last day of the data (election day, 2018-11-06): its closes decide the races. */
const LAST_DAY = Math.max(...rows.map((r) => r.timestamp));

const OPTIMIZERS = [
  { key: "kelly", name: "Kelly (½, q = 10-day mean)", color: "#e07b39" },
  { key: "equal", name: "Equal weight", color: "#8c8c8c" },
  { key: "inverseVol", name: "Risk parity (inverse vol)", color: "#3a7dc9" },
  { key: "erc", name: "Risk parity (ERC)", color: "#2aa198" },
  { key: "minVariance", name: "Min variance", color: "#7b5cc4" },
] as const;
type OptimizerKey = (typeof OPTIMIZERS)[number]["key"];

interface MetricsRun {
  step: number;
  date: string;
  options: { nSimulations: number; seed: number; tHours: number; vol: number };
  portfolio: PortfolioJSON;
  metrics: PortfolioMetrics;
  ms: number;
}

interface Session {
  engine: Engine;
  live: Portfolio;
  unfollow: () => void;
  replay: AbortController;
  step: number;
  date: string;
  done: boolean;
  equity: number[];
  log: { text: string; kind: "fill" | "reject" }[];
  fills: number;
  rejects: number;
}

/** The debug hook read by the end-to-end test (and handy in the console). */
interface HzDebug {
  ready: boolean;
  step: number;
  steps: number;
  date: string;
  playing: boolean;
  /** True while optimizers or Monte Carlo are queued or running. */
  busy: boolean;
  status: "idle" | "running" | "done" | "cancelled" | "error";
  runs: number;
  last: MetricsRun | null;
  targets: Record<OptimizerKey, Weights> | null;
  orders: RebalanceOrder[];
  executions: OrderResult[];
  errors: string[];
  portfolio(): PortfolioJSON;
  engine(): EngineJSON;
  /** The engine as recovered from IndexedDB at page load (null when the journal was empty). */
  resumed: EngineJSON | null;
}

declare global {
  interface Window {
    __hz: HzDebug;
  }
}

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  play: $<HTMLButtonElement>("play"),
  step: $<HTMLButtonElement>("step"),
  reset: $<HTMLButtonElement>("reset"),
  speed: $<HTMLSelectElement>("speed"),
  date: $("date"),
  stepNo: $("stepNo"),
  steps: $("steps"),
  replayProgress: $<HTMLProgressElement>("replayProgress"),
  engineStats: $("engineStats"),
  equity: $("equity"),
  activity: $("activity"),
  positions: $<HTMLTableElement>("positions"),
  legend: $("legend"),
  weightsNote: $("weightsNote"),
  weightsChart: $("weightsChart"),
  optimizers: $<HTMLFieldSetElement>("optimizers"),
  invest: $<HTMLInputElement>("invest"),
  execute: $<HTMLButtonElement>("execute"),
  orders: $<HTMLTableElement>("orders"),
  results: $("results"),
  metricsNote: $("metricsNote"),
  nSimulations: $<HTMLInputElement>("nSimulations"),
  seed: $<HTMLInputElement>("seed"),
  tHours: $<HTMLInputElement>("tHours"),
  vol: $<HTMLInputElement>("vol"),
  live: $<HTMLInputElement>("live"),
  run: $<HTMLButtonElement>("run"),
  cancel: $<HTMLButtonElement>("cancel"),
  mcProgress: $<HTMLProgressElement>("mcProgress"),
  mcStatus: $("mcStatus"),
  metrics: $("metrics"),
  histogram: $("histogram"),
  heatmap: $("heatmap"),
  greeks: $<HTMLTableElement>("greeks"),
};

const params = new URLSearchParams(location.search);
let playing = params.get("autoplay") !== "0";
let stepRequests = 0;
let wake: (() => void) | undefined;
let selected: OptimizerKey = "inverseVol";
let session: Session;

const hz: HzDebug = {
  ready: false,
  step: 0,
  steps: DAYS,
  date: "",
  playing,
  busy: false,
  status: "idle",
  runs: 0,
  last: null,
  targets: null,
  orders: [],
  executions: [],
  errors: [],
  portfolio: () => session.live.toJSON(),
  engine: () => session.engine.toJSON(),
  resumed: null,
};
window.__hz = hz;

// ------------------------------------------------------------------ formatting

const short = (id: string) => id.replace(/^PI\d+-/, "");
const money = (x: number) => x.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }); // to the cent
const pct = (x: number, d = 1) => `${(100 * x).toFixed(d)}%`;
const num = (x: number, d = 3) => (Math.abs(x) >= 1e5 ? x.toExponential(2) : x.toFixed(d));
const signed = (el: HTMLElement, x: number) => el.classList.toggle("neg", x < 0);

function cell(row: HTMLTableRowElement, text: string, cls?: string): HTMLTableCellElement {
  const td = row.insertCell();
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

function reportError(where: string, e: unknown): void {
  const msg = e instanceof HzError ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e);
  hz.errors.push(`${where}: ${msg}`);
  console.error(`[dashboard] ${where}:`, e);
}

// ------------------------------------------------------------------ replay

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function poke(): void {
  const w = wake;
  wake = undefined;
  w?.();
}

/** Between two days: wait per the speed while playing, or until Play / Step while paused. */
async function gate(s: Session): Promise<void> {
  if (playing) await sleep(1000 / Number(ui.speed.value));
  while (!playing && stepRequests === 0 && !s.replay.signal.aborted) await new Promise<void>((r) => (wake = r));
  if (!playing && stepRequests > 0) stepRequests--;
}

/** The strategy, once per day (all 18 markets priced): buy dips, trim rallies, now and then a cheap NO. */
async function trade(s: Session, e: Engine): Promise<void> {
  if (s.step < 6) return;
  for (const id of e.marketIds()) {
    if (s.replay.signal.aborted) return; // reset: the engine's journal is closing
    const h = e.priceHistory(id);
    const change = h[h.length - 1]! - h[h.length - 6]!;
    const pos = e.position(id);
    if (change <= -0.05 && (!pos || pos.side === "yes")) {
      await e.submitOrder({ marketId: id, side: "yes", action: "buy", size: 400 });
    } else if (change >= 0.05 && pos) {
      await e.submitOrder({ marketId: id, side: pos.side, action: "sell", size: pos.size / 2 + 50, allowPartial: true });
    } else if (h[h.length - 1]! >= 0.85 && !pos && s.step % 20 === 0) {
      await e.submitOrder({ marketId: id, side: "no", action: "buy", size: 1_500, limitPrice: 0.2 });
    }
  }
}

function logOrder(s: Session, r: OrderResult): void {
  const what = `${r.action} ${shares(r.requestedSize)} ${r.side.toUpperCase()} ${short(r.marketId)}`;
  if (r.status === "filled") {
    s.fills++;
    s.log.unshift({ kind: "fill", text: `${s.date} ${what}: filled ${shares(r.size)} @ ${r.price.toFixed(2)}${r.partial ? " (partial)" : ""}` });
  } else {
    s.rejects++;
    s.log.unshift({ kind: "reject", text: `${s.date} ${what}: rejected (${r.reason})` });
  }
  s.log.length = Math.min(s.log.length, 8);
}

/** The engine lives in an IndexedDB journal: a reload resumes exactly where the replay was. */
const JOURNAL = "hz-dashboard-engine";

async function forgetJournal(): Promise<void> {
  await new Promise<void>((done) => {
    const q = indexedDB.deleteDatabase(JOURNAL);
    q.onsuccess = q.onerror = q.onblocked = () => done();
  });
}

async function startSession(): Promise<void> {
  const engine = await Engine.open(await openJournal(JOURNAL), { riskConfig: new RiskConfig(RISK), capital: CAPITAL });
  const now = engine.now();
  hz.resumed = now === undefined ? null : engine.toJSON();
  // Rows still to replay: later days, and markets of the last day the engine had not reached yet.
  const todo = now === undefined ? rows : rows.filter((r) => r.timestamp > now || (r.timestamp === now && !(engine.hasMarket(r.marketId) && engine.ticks(r.marketId).at(-1)!.time === now)));
  const doneDays = now === undefined ? 0 : new Set(rows.filter((r) => r.timestamp <= now).map((r) => r.timestamp)).size;
  // The Portfolio view of the engine: built from it (empty now) and kept in sync with its fills and prices.
  const live = Portfolio.fromEngine(engine, { name: "senate-2018-paper", capital: CAPITAL });
  const unfollow = live.follow(engine);
  const s: Session = { engine, live, unfollow, replay: new AbortController(), step: todo.length < rows.length && todo[0]?.timestamp !== now ? doneDays : Math.max(0, doneDays - 1), date: "", done: false, equity: [], log: [], fills: 0, rejects: 0 };
  session = s;
  engine.on("fill", (r) => logOrder(s, r));
  engine.on("reject", (r) => logOrder(s, r));
  hz.step = 0;
  hz.last = null;
  hz.targets = null;
  hz.orders = [];
  hz.executions = [];
  ui.results.innerHTML = `<li class="muted">nothing executed yet</li>`;
  engine
    .replay(todo, {
      signal: s.replay.signal,
      onTimestamp: async (time, e) => {
        s.step++;
        s.date = new Date(time).toISOString().slice(0, 10);
        await trade(s, e);
        s.equity.push(e.equity());
        hz.step = s.step;
        hz.date = s.date;
        renderState();
        schedule({ targets: true, metrics: ui.live.checked });
        hz.ready = true;
        await gate(s);
      },
    })
    .then(() => {
      s.done = true;
      setPlaying(false);
      ui.play.textContent = "Replay again";
    })
    .catch((e: unknown) => {
      if ((e as Error)?.name !== "AbortError" && !s.replay.signal.aborted) reportError("replay", e);
    });
}

function setPlaying(on: boolean): void {
  playing = on;
  hz.playing = on;
  ui.play.textContent = on ? "Pause" : "Play";
  poke();
}

async function reset(): Promise<void> {
  session.replay.abort();
  session.unfollow();
  mcAbort?.abort();
  poke();
  await session.engine.close();
  await forgetJournal();
  await startSession();
}

ui.play.addEventListener("click", () => {
  if (session.done) {
    void reset().then(() => setPlaying(true), (e: unknown) => reportError("reset", e));
  } else setPlaying(!playing);
});
ui.step.addEventListener("click", () => {
  if (playing) setPlaying(false);
  stepRequests++;
  poke();
});
ui.reset.addEventListener("click", () => {
  void reset().catch((e: unknown) => reportError("reset", e));
  setPlaying(false);
});

// ------------------------------------------------------------------ engine and positions

function renderState(): void {
  const s = session;
  const e = s.engine;
  ui.date.textContent = s.date;
  ui.stepNo.textContent = String(s.step);
  ui.steps.textContent = String(DAYS);
  ui.replayProgress.value = s.step / DAYS;

  const stats: [string, number, string][] = [
    ["cash", e.cash(), "cash"],
    ["positions", e.positionsValue(), "positions"],
    ["equity", e.equity(), "equity"],
    ["realised P&L", e.realizedPnl(), "realized"],
    ["unrealised P&L", e.unrealizedPnl(), "unrealized"],
  ];
  ui.engineStats.replaceChildren(
    ...stats.map(([label, v, id]) => {
      const d = document.createElement("div");
      d.innerHTML = `<span>${label}</span><b data-testid="engine-${id}"></b>`;
      const b = d.querySelector("b")!;
      b.textContent = money(v);
      b.dataset.value = String(v);
      if (id.endsWith("ed")) signed(b, v);
      return d;
    }),
    Object.assign(document.createElement("div"), { innerHTML: `<span>orders</span><b>${s.fills} filled · ${s.rejects} rejected</b>` }),
  );
  sparkline(ui.equity, s.equity, { format: money });
  ui.activity.replaceChildren(
    ...s.log.map((l) => Object.assign(document.createElement("li"), { textContent: l.text, className: l.kind })),
  );
  renderPositions();
  renderOrders();
}

function renderPositions(): void {
  const p = session.live;
  const w = p.weights();
  const body = ui.positions.tBodies[0]!;
  body.replaceChildren();
  for (const x of p.positions()) {
    const r = body.insertRow();
    r.dataset.testid = "position-row";
    r.dataset.market = x.marketId;
    cell(r, short(x.marketId)).title = x.marketId;
    cell(r, x.side.toUpperCase(), x.side);
    cell(r, shares(x.size), "num").dataset.testid = "position-size";
    cell(r, x.entryPrice.toFixed(4), "num");
    cell(r, x.currentPrice.toFixed(2), "num");
    cell(r, money(x.value), "num");
    signed(cell(r, `${money(x.pnl)} (${pct(x.pnlPct)})`, "num"), x.pnl);
    cell(r, pct(w[x.marketId] ?? 0), "num");
  }
  if (body.rows.length === 0) cell(body.insertRow(), "no positions yet", "muted").colSpan = 8;
  const foot = ui.positions.tFoot!;
  foot.replaceChildren();
  const t = foot.insertRow();
  cell(t, `${p.positions().length} positions`);
  cell(t, "");
  cell(t, "");
  cell(t, "");
  cell(t, `HHI ${p.concentration().toFixed(3)}`, "num");
  cell(t, money(p.totalValue()), "num");
  signed(cell(t, `${money(p.pnl())} (${pct(p.pnlPct())})`, "num"), p.pnl());
  cell(t, pct(Object.values(w).reduce((a, b) => a + b, 0)), "num");
}

// ------------------------------------------------------------------ optimizers and orders

for (const o of OPTIMIZERS) {
  const label = document.createElement("label");
  label.innerHTML = `<input type="radio" name="optimizer" value="${o.key}" data-testid="optimizer-${o.key}" ${o.key === selected ? "checked" : ""}/> <i style="background:${o.color}"></i>${o.name}`;
  ui.optimizers.appendChild(label);
  const chip = document.createElement("span");
  chip.innerHTML = `<i style="background:${o.color}"></i>${o.name}`;
  ui.legend.appendChild(chip);
}
ui.optimizers.addEventListener("change", (ev) => {
  selected = (ev.target as HTMLInputElement).value as OptimizerKey;
  renderTargets();
  renderOrders();
});
ui.invest.addEventListener("input", () => renderOrders());

async function computeTargets(): Promise<void> {
  const { live: p, engine: e } = session;
  const ids = p.marketIds();
  // The trader's YES probability for Kelly: the 10-day mean price (a mean-reversion view).
  const probs = Object.fromEntries(ids.map((id) => [id, mean(e.priceHistory(id).slice(-10))]));
  // All five calls read the portfolio now (synchronously), so they see one state.
  const [kelly, equal, inverseVol, erc, minVariance] = await Promise.all([
    p.optimizeKelly({ probs, fraction: 0.5 }),
    p.optimizeEqualWeight(),
    p.optimizeRiskParity(),
    p.optimizeRiskParity(undefined, { method: "erc" }),
    p.optimizeMinVariance(),
  ]);
  hz.targets = { kelly, equal, inverseVol, erc, minVariance };
  const n = p.recordedReturns()?.length ?? 0;
  ui.weightsNote.textContent = n > 0 ? `(Ledoit-Wolf covariance of ${n} recorded daily price changes)` : "(no history yet: equal weight)";
  renderTargets();
  renderOrders();
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
}

function renderTargets(): void {
  const t = hz.targets;
  if (!t) return;
  const ids = Object.keys(t.equal);
  groupedBars(
    ui.weightsChart,
    ids.map(short),
    OPTIMIZERS.map((o) => ({ name: o.name, color: o.color, values: ids.map((id) => t[o.key][id] ?? 0) })),
    { format: (v) => pct(v, 0), highlight: OPTIMIZERS.find((o) => o.key === selected)!.name },
  );
}

/** Orders moving the portfolio to `invest`% of equity in the selected optimizer's proportions. */
function currentOrders(): RebalanceOrder[] {
  const t = hz.targets?.[selected];
  const p = session.live;
  const held = p.marketIds();
  // Targets are recomputed after every change; until then (a market just opened) show none.
  if (!t || held.length !== Object.keys(t).length || !held.every((id) => Object.prototype.hasOwnProperty.call(t, id))) return [];
  const invest = Math.max(0, Math.min(100, Number(ui.invest.value) || 0)) / 100;
  const scale = (invest * session.engine.equity()) / p.capital;
  const target = Object.fromEntries(Object.entries(t).map(([id, w]) => [id, w * scale]));
  // Resolved markets are never traded: settled ones, and (once election day's closes are in) those at
  // PredictIt's 1¢ / 99¢ bounds, which is how this data marks a decided race.
  return p.rebalanceOrders(target, { threshold: 0.001 }).filter((o) => !resolvedInReplay(o.marketId));
}

/** A market the replay treats as resolved: settled in the engine, or at 1¢ / 99¢ on the last day. */
function resolvedInReplay(id: string): boolean {
  const e = session.engine;
  if (!e.hasMarket(id)) return false;
  if (e.isSettled(id)) return true;
  if ((e.now() ?? -Infinity) < LAST_DAY) return false;
  const y = e.price(id);
  return y <= 0.01 || y >= 0.99;
}

function renderOrders(): void {
  let orders: RebalanceOrder[] = [];
  try {
    orders = currentOrders();
  } catch (e) {
    reportError("rebalanceOrders", e);
  }
  hz.orders = orders;
  const body = ui.orders.tBodies[0]!;
  body.replaceChildren();
  for (const o of orders) {
    const r = body.insertRow();
    r.dataset.testid = "order-row";
    cell(r, o.action, o.action);
    cell(r, shares(o.sizeDelta), "num");
    cell(r, o.side.toUpperCase(), o.side);
    cell(r, short(o.marketId)).title = o.marketId;
    cell(r, o.price.toFixed(2), "num");
    cell(r, `${pct(o.currentWeight)} → ${pct(o.targetWeight)}`, "num");
  }
  if (orders.length === 0) cell(body.insertRow(), hz.targets ? "no orders (on target)" : "waiting for positions…", "muted").colSpan = 6;
  ui.execute.disabled = orders.length === 0;
}

ui.execute.addEventListener("click", async () => {
  const orders = hz.orders;
  if (orders.length === 0) return;
  ui.execute.disabled = true;
  try {
    const results = await session.engine.execute(orders);
    hz.executions = results;
    ui.results.replaceChildren(
      ...results.map((r) => {
        const li = document.createElement("li");
        li.dataset.testid = "execution-result";
        li.dataset.status = r.status;
        const what = `${r.action} ${shares(r.requestedSize)} ${r.side.toUpperCase()} ${short(r.marketId)}`;
        li.className = r.status === "filled" ? "fill" : "reject";
        li.textContent = r.status === "filled" ? `✔ ${what}: filled ${shares(r.size)} @ ${r.price.toFixed(2)}` : `✘ ${what}: rejected (${r.reason}) — ${formatMessage(r.message)}`;
        return li;
      }),
    );
    session.equity[session.equity.length - 1] = session.engine.equity();
    renderState();
    schedule({ targets: true, metrics: ui.live.checked });
  } catch (e) {
    reportError("execute", e);
  }
});

// ------------------------------------------------------------------ Monte Carlo

let mcAbort: AbortController | undefined;
const dirty = { targets: false, metrics: false };

/** Queues work; one loop runs optimizers then Monte Carlo on the latest state, never two at once. */
function schedule(what: { targets?: boolean; metrics?: boolean }): void {
  dirty.targets ||= !!what.targets;
  dirty.metrics ||= !!what.metrics;
  if (!hz.busy) void loop();
}

async function loop(): Promise<void> {
  hz.busy = true;
  try {
    while (dirty.targets || dirty.metrics) {
      if (dirty.targets) {
        dirty.targets = false;
        await computeTargets().catch((e) => reportError("optimizers", e));
      }
      if (dirty.metrics) {
        dirty.metrics = false;
        await runMetrics();
      }
    }
  } finally {
    hz.busy = false;
  }
}

function setStatus(status: HzDebug["status"], text: string): void {
  hz.status = status;
  ui.mcStatus.dataset.status = status;
  ui.mcStatus.textContent = text;
}

function readOptions(): MetricsRun["options"] {
  return { nSimulations: Number(ui.nSimulations.value), seed: Number(ui.seed.value), tHours: Number(ui.tHours.value), vol: Number(ui.vol.value) };
}

async function runMetrics(): Promise<void> {
  const s = session;
  const options = readOptions();
  // metrics() reads the portfolio synchronously when called: this snapshot is exactly what it sees.
  const portfolio = s.live.toJSON();
  const { step, date } = s;
  const ac = new AbortController();
  mcAbort = ac;
  ui.cancel.disabled = false;
  ui.run.disabled = true;
  ui.mcProgress.value = 0;
  setStatus("running", `running ${options.nSimulations.toLocaleString("en-US")} scenarios…`);
  const t0 = performance.now();
  try {
    const metrics = await s.live.metrics({
      ...options,
      signal: ac.signal,
      onProgress: (done, total) => {
        ui.mcProgress.value = done / total;
        ui.mcStatus.textContent = `running: ${done.toLocaleString("en-US")} / ${total.toLocaleString("en-US")} scenarios`;
      },
    });
    const ms = performance.now() - t0;
    if (s !== session) return;
    hz.last = { step, date, options, portfolio, metrics, ms };
    hz.runs++;
    renderMetrics(hz.last);
    setStatus("done", `${options.nSimulations.toLocaleString("en-US")} scenarios in ${ms.toFixed(0)} ms`);
  } catch (e) {
    if ((e as Error)?.name === "AbortError") setStatus("cancelled", `cancelled after ${(performance.now() - t0).toFixed(0)} ms`);
    else if (e instanceof HzError && e.code !== "ENGINE_FAILURE" && e.code !== "WORKER_FAILED") setStatus("error", `${e.code}: ${formatMessage(e.message)}`);
    else {
      setStatus("error", String(e));
      reportError("metrics", e);
    }
  } finally {
    if (mcAbort === ac) mcAbort = undefined;
    ui.cancel.disabled = true;
    ui.run.disabled = false;
  }
}

function renderMetrics(r: MetricsRun): void {
  const m = r.metrics;
  ui.metricsNote.textContent = `(${r.date}, day ${r.step}: ${m.nSimulations.toLocaleString("en-US")} scenarios, seed ${m.seed}, ${m.correlationMatrix ? "Gaussian copula" : "independent outcomes"})`;
  const cards: [string, string, number, string][] = [
    ["var95", "VaR 95%", m.var95, money(m.var95)],
    ["cvar95", "CVaR 95%", m.cvar95, money(m.cvar95)],
    ["var99", "VaR 99%", m.var99, money(m.var99)],
    ["cvar99", "CVaR 99%", m.cvar99, money(m.cvar99)],
    ["win", "win probability", m.winProbability, pct(m.winProbability, 2)],
    ["expected", "expected P&L", m.expectedPnl, money(m.expectedPnl)],
    ["hhi", "HHI", m.concentration, m.concentration.toFixed(4)],
    ["shrinkage", "LW shrinkage", m.shrinkageIntensity, m.shrinkageIntensity.toFixed(4)],
  ];
  ui.metrics.replaceChildren(
    ...cards.map(([id, label, v, text]) => {
      const d = document.createElement("div");
      d.innerHTML = `<span>${label}</span><b data-testid="metric-${id}"></b>`;
      const b = d.querySelector("b")!;
      b.textContent = text;
      b.dataset.value = String(v);
      return d;
    }),
  );
  histogram(ui.histogram, m.pnlHistogram.edges, m.pnlHistogram.counts, [
    { x: -m.var95, label: `VaR95 ${money(m.var95)}`, color: "#d9822b" },
    { x: -m.cvar95, label: `CVaR95 ${money(m.cvar95)}`, color: "#c23030" },
  ], { format: (v) => v.toFixed(0) });
  heatmap(ui.heatmap, m.correlationMarkets.map(short), m.correlationMatrix);
  const body = ui.greeks.tBodies[0]!;
  body.replaceChildren();
  for (const [id, g] of Object.entries(m.greeks)) {
    const row = body.insertRow();
    cell(row, short(id)).title = id;
    // Money-valued Greeks to the cent (theta per hour is small: 4 decimals).
    for (const [v, digits] of [[g.delta, 2], [g.gamma, 2], [g.theta, 4], [g.vega, 2]] as const) signed(cell(row, num(v, digits), "num"), v);
  }
  if (body.rows.length === 0) cell(body.insertRow(), "no positions", "muted").colSpan = 5;
}

ui.run.addEventListener("click", () => schedule({ metrics: true }));
ui.cancel.addEventListener("click", () => mcAbort?.abort());
for (const input of [ui.nSimulations, ui.seed, ui.tHours, ui.vol]) {
  input.addEventListener("change", () => {
    if (ui.live.checked) schedule({ metrics: true });
  });
}

// ------------------------------------------------------------------ tabs and start

let demoStarted = false;
const tabs = { mine: { button: $("tabMine"), main: $("mineTab") }, demo: { button: $("tabDemo"), main: $("demoTab") } };

/** Shows a tab ("#demo" in the address opens the replay; anything else "My portfolio"). The replay starts the first time it is shown. */
function showTab(which: "mine" | "demo"): void {
  for (const [k, t] of Object.entries(tabs)) {
    t.button.setAttribute("aria-selected", String(k === which));
    t.main.hidden = k !== which;
  }
  for (const el of Array.from(document.querySelectorAll<HTMLElement>(".demo-only"))) el.hidden = which !== "demo";
  $("subtitle").textContent = which === "demo" ? "paper trading the PredictIt 2018 Senate markets" : "my prediction-market book";
  if (which === "demo" && !demoStarted) {
    demoStarted = true;
    setPlaying(playing);
    void startSession().catch((e: unknown) => reportError("start", e));
  } else if (which === "mine" && demoStarted && playing) setPlaying(false); // the replay pauses in the background
}
tabs.mine.button.addEventListener("click", () => {
  history.replaceState(null, "", location.pathname + location.search);
  showTab("mine");
});
tabs.demo.button.addEventListener("click", () => {
  history.replaceState(null, "", "#demo");
  showTab("demo");
});
addEventListener("hashchange", () => showTab(location.hash === "#demo" ? "demo" : "mine"));
showTab(location.hash === "#demo" ? "demo" : "mine");
startMine();

// "My portfolio": the trader's own book. Positions are entered by hand or imported (Polymarket /
// Kalshi JSON, CSV — the library's importers), grouped by event, sized by Kelly on the trader's own
// probabilities after fees, and measured (Monte Carlo VaR/CVaR, per-event worst case, Greeks at each
// position's own time to resolution). Everything is kept in localStorage through
// `portfolio.toJSON()` / `Portfolio.fromJSON()` and can be exported to / imported from a JSON file.
// Every change is applied to a copy first, so bad input leaves the state unchanged and shows the
// library's HzError, formatted.
import {
  FeeModel,
  HzError,
  Portfolio,
  fromKalshiPositions,
  fromPolymarketPositions,
  parsePositionsCsv,
  type ImportResult,
  type PortfolioJSON,
  type PortfolioMetrics,
  type RebalanceOrder,
  type Weights,
} from "hz-portfolio";
import { heatmap, histogram } from "./charts";
import { dollars, formatMessage, money, pct, price, shares } from "./format";

/** What is saved (localStorage) and exported (JSON file). */
export interface DashboardState {
  format: "hz-dashboard/state";
  version: 1;
  portfolio: PortfolioJSON;
  /** The trader's YES probabilities, as [marketId, p] pairs (pairs, not an object: any id is data). */
  probs: [string, number][];
  fee: FeeChoice;
  /** Display names of events, as [eventId, label] pairs. */
  eventLabels: [string, string][];
}

/** The fee model chosen in the UI. */
export interface FeeChoice {
  kind: "none" | "kalshi" | "polymarket" | "bps";
  /** Polymarket: the rate; bps: basis points. */
  value?: number;
}

/** The debug hook of this tab, read by the end-to-end test. */
export interface MineDebug {
  ready: boolean;
  busy: boolean;
  /** Messages shown to the user (latest last). */
  messages: { kind: "ok" | "error"; text: string }[];
  last: PortfolioMetrics | null;
  kelly: Weights | null;
  orders: RebalanceOrder[];
  state(): DashboardState;
}

declare global {
  interface Window {
    __mine: MineDebug;
  }
}

const STORAGE_KEY = "hz-dashboard/state";
const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

let portfolio = new Portfolio({ name: "mine" });
let probs = new Map<string, number>();
let fee: FeeChoice = { kind: "none" };
let eventLabels = new Map<string, string>();

const dbg: MineDebug = {
  ready: false,
  busy: false,
  messages: [],
  last: null,
  kelly: null,
  orders: [],
  state: () => snapshot(),
};

function snapshot(): DashboardState {
  return {
    format: "hz-dashboard/state",
    version: 1,
    portfolio: portfolio.toJSON(),
    probs: [...probs].filter(([id]) => portfolio.position(id) !== undefined || inEvent(id)),
    fee: { ...fee },
    eventLabels: [...eventLabels],
  };
}

function inEvent(id: string): boolean {
  return portfolio.eventDefinitions().some((e) => e.markets.includes(id));
}

function save(): void {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(snapshot()));
  } catch (e) {
    show("error", `could not save in this browser: ${(e as Error).message}`);
  }
}

/** Validates a saved / exported state and builds everything from it, or throws an HzError. */
function parseState(text: string | unknown): { p: Portfolio; probs: Map<string, number>; fee: FeeChoice; labels: Map<string, string> } {
  let j: unknown = text;
  if (typeof text === "string") {
    try {
      j = JSON.parse(text);
    } catch (e) {
      throw new HzError("INVALID_ARGUMENT", `dashboard file: not valid JSON (${(e as Error).message})`, { field: "json" });
    }
  }
  const s = j as Partial<DashboardState> | null;
  if (typeof s !== "object" || s === null || s.format !== "hz-dashboard/state" || s.version !== 1) {
    throw new HzError("INVALID_ARGUMENT", `dashboard file: format must be "hz-dashboard/state" version 1`, { field: "format" });
  }
  const p = Portfolio.fromJSON(s.portfolio as PortfolioJSON);
  const pr = new Map<string, number>();
  for (const pair of Array.isArray(s.probs) ? s.probs : []) {
    if (!Array.isArray(pair) || typeof pair[0] !== "string" || typeof pair[1] !== "number" || !(pair[1] >= 0 && pair[1] <= 1)) {
      throw new HzError("INVALID_ARGUMENT", `dashboard file: probs must be [marketId, probability in [0, 1]] pairs`, { field: "probs" });
    }
    pr.set(pair[0], pair[1]);
  }
  const f = checkFee(s.fee ?? { kind: "none" });
  const labels = new Map<string, string>();
  for (const pair of Array.isArray(s.eventLabels) ? s.eventLabels : []) {
    if (Array.isArray(pair) && typeof pair[0] === "string" && typeof pair[1] === "string") labels.set(pair[0], pair[1]);
  }
  return { p, probs: pr, fee: f, labels };
}

function checkFee(f: unknown): FeeChoice {
  const c = f as FeeChoice;
  if (typeof c !== "object" || c === null || !["none", "kalshi", "polymarket", "bps"].includes(c.kind)) {
    throw new HzError("INVALID_ARGUMENT", `fee model must be none, kalshi, polymarket or bps`, { field: "fee" });
  }
  feeModelOf(c); // validates the parameter through the library
  return c.value === undefined ? { kind: c.kind } : { kind: c.kind, value: c.value };
}

function feeLabel(c: FeeChoice): string {
  return c.kind === "kalshi" ? "Kalshi taker" : c.kind === "polymarket" ? `Polymarket rate ${c.value}` : c.kind === "bps" ? `${c.value} bps of notional` : "none";
}

function feeModelOf(c: FeeChoice): FeeModel {
  switch (c.kind) {
    case "kalshi":
      return FeeModel.kalshi();
    case "polymarket":
      return FeeModel.polymarket({ rate: c.value ?? NaN });
    case "bps":
      return FeeModel.bps(c.value ?? NaN);
    default:
      return FeeModel.none();
  }
}

// ------------------------------------------------------------------ messages

const msg = () => $("myMessage");

function show(kind: "ok" | "error", text: string): void {
  const el = msg();
  el.hidden = false;
  el.className = kind === "error" ? "msg error" : "msg";
  el.dataset.kind = kind;
  el.textContent = text;
  dbg.messages.push({ kind, text });
}

/** A user error shown formatted (never thrown further, never a console error). */
function showError(where: string, e: unknown): void {
  if (e instanceof HzError) show("error", `${where}: ${e.code}: ${formatMessage(e.message)}`);
  else show("error", `${where}: ${formatMessage(e instanceof Error ? e.message : String(e))}`);
}

/** Runs a change on a copy of the state; the copy replaces the state only if the whole change succeeded. */
function transact(where: string, change: (p: Portfolio, pr: Map<string, number>, labels: Map<string, string>) => string | void): boolean {
  try {
    const p = Portfolio.fromJSON(portfolio.toJSON());
    const pr = new Map(probs);
    const labels = new Map(eventLabels);
    const ok = change(p, pr, labels);
    portfolio = p;
    probs = pr;
    eventLabels = labels;
    save();
    render();
    if (ok) show("ok", ok);
    return true;
  } catch (e) {
    showError(where, e);
    return false;
  }
}

// ------------------------------------------------------------------ helpers

/** A market whose outcome is known: price 0 or 1. Never proposed for trading. */
function resolved(id: string): boolean {
  const x = portfolio.position(id);
  return x !== undefined && (x.currentPrice === 0 || x.currentPrice === 1);
}

function cell(row: HTMLTableRowElement, text: string, cls?: string): HTMLTableCellElement {
  const td = row.insertCell();
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

function when(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").slice(0, 16) + " UTC";
}

/** A datetime-local value (local time, no zone) for an instant. */
function localInput(ms: number): string {
  const d = new Date(ms);
  const z = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${z(d.getMonth() + 1)}-${z(d.getDate())}T${z(d.getHours())}:${z(d.getMinutes())}`;
}

/** A number field: empty → undefined; otherwise Number(text) (NaN for junk, which the library rejects with its HzError). */
function numberField(v: FormDataEntryValue | null): number | undefined {
  const t = String(v ?? "").trim();
  return t === "" ? undefined : Number(t.replace(/,/g, ""));
}

// ------------------------------------------------------------------ rendering

function render(): void {
  renderPositions();
  renderFee();
  const cap = portfolio.configuredCapital;
  const capInput = $<HTMLInputElement>("myCapital");
  if (document.activeElement !== capInput) capInput.value = cap === undefined ? "" : String(cap);
}

function renderPositions(): void {
  const table = $<HTMLTableElement>("myPositions");
  const body = table.tBodies[0]!;
  body.replaceChildren();
  const positions = portfolio.positions();
  const byId = new Map(positions.map((x) => [x.marketId, x]));
  const grouped = new Set<string>();
  const now = Date.now();
  const addRow = (id: string): void => {
    const x = byId.get(id)!;
    grouped.add(id);
    const r = body.insertRow();
    r.dataset.testid = "my-position-row";
    r.dataset.market = id;
    if (resolved(id)) r.classList.add("resolved");
    const name = cell(r, "");
    name.append(document.createTextNode(id));
    if (resolved(id)) name.append(Object.assign(document.createElement("span"), { className: "badge", textContent: x.currentPrice === 1 ? "won" : "lost" }));
    if (x.label) name.append(Object.assign(document.createElement("span"), { className: "sub", textContent: x.label }));
    cell(r, x.side.toUpperCase(), x.side);
    cell(r, shares(x.size), "num").dataset.testid = "my-size";
    cell(r, price(x.entryPrice), "num");
    cell(r, price(x.currentPrice), "num");
    cell(r, dollars(x.value), "num");
    cell(r, `${dollars(x.pnl)} (${pct(x.pnlPct)})`, x.pnl < 0 ? "num neg" : "num");
    cell(r, x.resolvesAt === undefined ? "—" : `${when(x.resolvesAt)}${x.resolvesAt < now ? " (past)" : ""}`).dataset.testid = "my-resolves";
    const pc = cell(r, "", "num");
    const input = Object.assign(document.createElement("input"), { className: "prob", inputMode: "decimal", placeholder: price(x.side === "yes" ? x.currentPrice : 1 - x.currentPrice) });
    input.dataset.testid = "prob-input";
    input.dataset.market = id;
    input.setAttribute("aria-label", `my probability that ${id} resolves YES`);
    const q = probs.get(id);
    input.value = q === undefined ? "" : String(q);
    input.addEventListener("change", () => setProb(id, input.value));
    pc.append(input);
    const actions = cell(r, "");
    const edit = Object.assign(document.createElement("button"), { type: "button", textContent: "Edit" });
    edit.dataset.testid = "edit-position";
    edit.addEventListener("click", () => fillForm(id));
    const remove = Object.assign(document.createElement("button"), { type: "button", textContent: "Remove" });
    remove.dataset.testid = "remove-position";
    remove.addEventListener("click", () => transact(`remove "${id}"`, (p, pr) => {
      p.removePosition(id);
      if (!p.eventDefinitions().some((e) => e.markets.includes(id))) pr.delete(id);
      return `removed ${id}`;
    }));
    actions.append(edit, " ", remove);
  };
  for (const e of portfolio.eventDefinitions()) {
    const held = e.markets.filter((m) => byId.has(m));
    const h = body.insertRow();
    h.className = "event";
    h.dataset.testid = "event-group";
    h.dataset.event = e.eventId;
    const label = eventLabels.get(e.eventId);
    const c = cell(h, `Event ${label ? `“${label}” (${e.eventId})` : e.eventId}: ${e.exhaustive ? "exactly one" : "at most one"} of ${e.markets.length} markets resolves YES · ${held.length} held`);
    c.colSpan = 10;
    for (const m of held) addRow(m);
  }
  const rest = positions.filter((x) => !grouped.has(x.marketId));
  if (portfolio.eventDefinitions().length > 0 && rest.length > 0) cell(Object.assign(body.insertRow(), { className: "event" }), "Independent markets").colSpan = 10;
  for (const x of rest) addRow(x.marketId);
  if (positions.length === 0) cell(body.insertRow(), "no positions yet: add one above, or import a file", "muted").colSpan = 10;
  const foot = table.tFoot!;
  foot.replaceChildren();
  const t = foot.insertRow();
  cell(t, `${positions.length} position${positions.length === 1 ? "" : "s"}`).colSpan = 5;
  cell(t, dollars(portfolio.totalValue()), "num").dataset.testid = "my-total-value";
  cell(t, `${dollars(portfolio.pnl())} (${pct(portfolio.pnlPct())})`, portfolio.pnl() < 0 ? "num neg" : "num");
  cell(t, `HHI ${portfolio.concentration().toFixed(3)}`).colSpan = 3;
}

function renderFee(): void {
  const sel = $<HTMLSelectElement>("feeModel");
  sel.value = fee.kind;
  const needs = fee.kind === "polymarket" || fee.kind === "bps";
  $("feeParamLabel").hidden = !needs;
  $("feeParamName").textContent = fee.kind === "bps" ? "bps" : "rate";
  const input = $<HTMLInputElement>("feeParam");
  if (document.activeElement !== input) input.value = fee.value === undefined ? "" : String(fee.value);
}

function fillForm(id: string): void {
  const x = portfolio.position(id);
  if (!x) return;
  const f = $<HTMLFormElement>("posForm");
  const set = (name: string, v: string) => ((f.elements.namedItem(name) as HTMLInputElement).value = v);
  set("marketId", x.marketId);
  set("side", x.side);
  set("size", String(x.size));
  set("entryPrice", String(x.entryPrice));
  set("currentPrice", String(x.currentPrice));
  set("label", x.label ?? "");
  set("resolvesAt", x.resolvesAt === undefined ? "" : localInput(x.resolvesAt));
  (f.elements.namedItem("size") as HTMLInputElement).focus();
}

// ------------------------------------------------------------------ actions

function setProb(id: string, text: string): void {
  const t = text.trim();
  transact(`probability of "${id}"`, (_p, pr) => {
    if (t === "") {
      pr.delete(id);
      return `${id}: probability cleared (the price is used)`;
    }
    const q = Number(t);
    if (!(q >= 0 && q <= 1)) throw new HzError("INVALID_PROBABILITY", `market "${id}": probability must be in [0, 1], got ${JSON.stringify(t)}`, { marketId: id, field: "probs" });
    pr.set(id, q);
    return `${id}: my P(YES) = ${q}`;
  });
}

function addFromForm(form: HTMLFormElement): void {
  const d = new FormData(form);
  const id = String(d.get("marketId") ?? "");
  const resolvesText = String(d.get("resolvesAt") ?? "").trim();
  const label = String(d.get("label") ?? "").trim();
  const input = {
    marketId: id,
    side: String(d.get("side")) as "yes" | "no",
    size: numberField(d.get("size")) ?? NaN,
    entryPrice: numberField(d.get("entryPrice")) ?? NaN,
    currentPrice: numberField(d.get("currentPrice")),
    ...(label === "" ? {} : { label }),
    // datetime-local is local time without a zone: the browser's Date reads it as such.
    ...(resolvesText === "" ? {} : { resolvesAt: new Date(resolvesText) }),
  };
  const existed = portfolio.position(id) !== undefined;
  if (transact("position", (p) => {
    p.addPosition(input);
    return `${existed ? "updated" : "added"} ${input.side.toUpperCase()} ${shares(input.size)} ${id}`;
  })) form.reset();
}

/** Reads dropped / chosen files and imports them all at once (or nothing). */
async function importFiles(files: File[]): Promise<void> {
  if (files.length === 0) return;
  let texts: { name: string; text: string }[];
  try {
    texts = await Promise.all(files.map(async (f) => ({ name: f.name, text: await f.text() })));
  } catch (e) {
    showError("import", e);
    return;
  }
  const names = texts.map((t) => t.name).join(", ");
  // A saved dashboard file replaces everything.
  const json = texts.map((t) => ({ ...t, json: /\.csv$/i.test(t.name) ? undefined : tryJson(t.text) }));
  const state = json.find((t) => (t.json as { format?: unknown } | undefined)?.format === "hz-dashboard/state");
  if (state) {
    try {
      const s = parseState(state.json);
      portfolio = s.p;
      probs = s.probs;
      fee = s.fee;
      eventLabels = s.labels;
      save();
      render();
      show("ok", `restored ${s.p.positions().length} positions from ${state.name}`);
    } catch (e) {
      showError(`import ${state.name}`, e);
    }
    return;
  }
  let result: ImportResult;
  const kalshiEvents = new Map<string, string>();
  try {
    result = readImport(json, kalshiEvents);
  } catch (e) {
    showError(`import ${names}`, e);
    return;
  }
  transact(`import ${names}`, (p, _pr, labels) => {
    for (const x of result.positions) p.addPosition(x);
    for (const e of result.events) {
      p.defineEvent(e.eventId, e);
      const label = e.label ?? kalshiEvents.get(e.eventId);
      if (label) labels.set(e.eventId, label);
    }
    const skipped = result.skipped.length ? `; skipped ${result.skipped.length} (${result.skipped.map((s) => `row ${s.row}: ${s.reason}`).join("; ")})` : "";
    const warned = result.warnings.length ? `; note: ${result.warnings.map((s) => `row ${s.row}: ${s.reason}`).join("; ")}` : "";
    return formatMessage(`imported ${result.positions.length} position${result.positions.length === 1 ? "" : "s"} and ${result.events.length} event${result.events.length === 1 ? "" : "s"} from ${names}${skipped}${warned}`);
  });
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Chooses the importer by content: CSV by name (or when not JSON), a JSON array = Polymarket, `market_positions` = Kalshi. */
function readImport(files: { name: string; text: string; json: unknown }[], eventLabels: Map<string, string>): ImportResult {
  const kalshi = files.find((f) => typeof f.json === "object" && f.json !== null && "market_positions" in f.json);
  if (kalshi) {
    const markets = files.find((f) => f !== kalshi && typeof f.json === "object" && f.json !== null && "markets" in f.json);
    const events = files.find((f) => f !== kalshi && typeof f.json === "object" && f.json !== null && "events" in f.json);
    const evs = (events?.json as { events?: { event_ticker?: unknown; title?: unknown }[] } | undefined)?.events;
    if (Array.isArray(evs)) for (const e of evs) if (typeof e?.event_ticker === "string" && typeof e.title === "string") eventLabels.set(e.event_ticker, e.title);
    return fromKalshiPositions(kalshi.json as never, {
      ...(markets ? { markets: markets.json as never } : {}),
      ...(events ? { events: events.json as never } : {}),
    });
  }
  if (files.length !== 1) throw new HzError("INVALID_ARGUMENT", `import one file at a time (Kalshi: its positions with its markets and events files); got ${files.length}`, { field: "files" });
  const f = files[0]!;
  if (Array.isArray(f.json)) return fromPolymarketPositions(f.json as never);
  if (f.json !== undefined && !/\.csv$/i.test(f.name)) {
    throw new HzError("INVALID_ARGUMENT", `${f.name}: not a Polymarket positions array, a Kalshi positions response, a CSV or a saved dashboard file`, { field: "file" });
  }
  return parsePositionsCsv(f.text);
}

function exportState(): void {
  const blob = new Blob([JSON.stringify(snapshot(), null, 2)], { type: "application/json" });
  const a = Object.assign(document.createElement("a"), { href: URL.createObjectURL(blob), download: `hz-portfolio-${new Date().toISOString().slice(0, 10)}.json` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  show("ok", `exported ${portfolio.positions().length} positions`);
}

/** Probabilities the library may use: held markets or event members, not resolved ones. */
function usableProbs(): Record<string, number> {
  const out: Record<string, number> = Object.create(null);
  for (const [id, q] of probs) {
    if (resolved(id)) continue;
    if (portfolio.position(id) !== undefined || inEvent(id)) Object.defineProperty(out, id, { value: q, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Plain object with own keys (so "__proto__" is data), the shape the library's records take. */
function record(entries: Iterable<[string, number]>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of entries) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

async function kellyOrders(): Promise<void> {
  const note = $("kellyNote");
  const body = $<HTMLTableElement>("myOrders").tBodies[0]!;
  dbg.busy = true;
  try {
    const p = portfolio;
    const q = usableProbs();
    const heldWithProb = Object.keys(q).filter((id) => p.position(id) !== undefined);
    if (heldWithProb.length === 0) throw new HzError("INVALID_ARGUMENT", "enter your YES probability for at least one unresolved market first", { field: "probs" });
    const fees = feeModelOf(fee);
    const fraction = Number($<HTMLInputElement>("myFraction").value);
    const kelly = await p.optimizeKelly({ probs: q, fraction, fees });
    if (p !== portfolio) return; // changed meanwhile: the user presses again
    // Markets without a probability (or resolved) keep their weight: Kelly only moves the ones with a view.
    const w = p.weights();
    const target = record(p.marketIds().map((id) => [id, heldWithProb.includes(id) ? kelly[id]! : w[id]!]));
    const orders = p.rebalanceOrders(target, { fees, threshold: 1e-4 }).filter((o) => !resolved(o.marketId));
    dbg.kelly = kelly;
    dbg.orders = orders;
    body.replaceChildren();
    for (const o of orders) {
      const r = body.insertRow();
      r.dataset.testid = "my-order-row";
      cell(r, o.action, o.action);
      cell(r, shares(o.sizeDelta), "num");
      cell(r, o.side.toUpperCase(), o.side);
      cell(r, o.marketId);
      cell(r, price(o.price), "num");
      cell(r, o.estimatedFee === undefined ? "—" : dollars(o.estimatedFee), "num");
      cell(r, `${pct(o.currentWeight)} → ${pct(o.targetWeight)}`, "num");
    }
    if (orders.length === 0) cell(body.insertRow(), "no orders: already at the Kelly weights", "muted").colSpan = 7;
    const excluded = p.marketIds().filter(resolved);
    note.textContent = `Kelly × ${fraction} of a ${dollars(p.capital)} bankroll, fees: ${feeLabel(fee)}. ${excluded.length ? `Resolved, never traded: ${excluded.join(", ")}.` : ""}`;
  } catch (e) {
    showError("Kelly", e);
  } finally {
    dbg.busy = false;
  }
}

async function runRisk(): Promise<void> {
  const status = $("myStatus");
  dbg.busy = true;
  status.textContent = "running…";
  status.dataset.status = "running";
  const t0 = performance.now();
  try {
    const p = portfolio;
    const m = await p.metrics({
      nSimulations: Number($<HTMLInputElement>("myNsim").value),
      seed: Number($<HTMLInputElement>("mySeed").value),
      tHours: Number($<HTMLInputElement>("myTHours").value),
      vol: Number($<HTMLInputElement>("myVol").value),
      probs: usableProbs(),
    });
    dbg.last = m;
    renderMetrics(m);
    status.textContent = `${m.nSimulations.toLocaleString("en-US")} scenarios in ${(performance.now() - t0).toFixed(0)} ms`;
    status.dataset.status = "done";
  } catch (e) {
    status.textContent = "error";
    status.dataset.status = "error";
    showError("risk", e);
  } finally {
    dbg.busy = false;
  }
}

function renderMetrics(m: PortfolioMetrics): void {
  $("myMetricsNote").textContent = `(${m.nSimulations.toLocaleString("en-US")} scenarios, seed ${m.seed}, ${m.correlationMatrix ? "correlated through the recorded prices" : "independent outcomes"}${probs.size ? ", your probabilities" : ", market prices as probabilities"})`;
  const cards: [string, string, number, string][] = [
    ["var95", "VaR 95%", m.var95, dollars(m.var95)],
    ["cvar95", "CVaR 95%", m.cvar95, dollars(m.cvar95)],
    ["var99", "VaR 99%", m.var99, dollars(m.var99)],
    ["cvar99", "CVaR 99%", m.cvar99, dollars(m.cvar99)],
    ["win", "win probability", m.winProbability, pct(m.winProbability, 2)],
    ["expected", "expected P&L", m.expectedPnl, dollars(m.expectedPnl)],
    ["worst", "worst case loss", m.worstCaseLoss, dollars(m.worstCaseLoss)],
  ];
  $("myMetrics").replaceChildren(
    ...cards.map(([id, label, v, text]) => {
      const d = document.createElement("div");
      d.innerHTML = `<span>${label}</span><b data-testid="my-metric-${id}"></b>`;
      const b = d.querySelector("b")!;
      b.textContent = text;
      b.dataset.value = String(v);
      return d;
    }),
  );
  const events = $<HTMLTableElement>("myEvents");
  const eb = events.tBodies[0]!;
  eb.replaceChildren();
  for (const [id, e] of Object.entries(m.events)) {
    const r = eb.insertRow();
    r.dataset.testid = "my-event-row";
    r.dataset.event = id;
    const label = eventLabels.get(id);
    cell(r, label ? `${label} (${id})` : id);
    const w = cell(r, dollars(e.worstCaseLoss), "num");
    w.dataset.testid = "event-worst-case";
    w.dataset.value = String(e.worstCaseLoss);
    cell(r, dollars(e.bestCaseGain), "num");
    cell(r, dollars(e.expectedPnl), e.expectedPnl < 0 ? "num neg" : "num");
  }
  events.hidden = eb.rows.length === 0;
  histogram($("myHistogram"), m.pnlHistogram.edges, m.pnlHistogram.counts, [
    { x: -m.var95, label: `VaR95 ${dollars(m.var95)}`, color: "#d9822b" },
    { x: -m.cvar95, label: `CVaR95 ${dollars(m.cvar95)}`, color: "#c23030" },
  ], { format: (v) => v.toFixed(0) });
  $("myHeatmapBox").hidden = m.correlationMatrix === null;
  if (m.correlationMatrix) heatmap($("myHeatmap"), m.correlationMarkets, m.correlationMatrix);
  const gb = $<HTMLTableElement>("myGreeks").tBodies[0]!;
  gb.replaceChildren();
  for (const x of portfolio.positions()) {
    const g = m.greeks[x.marketId];
    if (!g) continue;
    const r = gb.insertRow();
    r.dataset.testid = "my-greeks-row";
    cell(r, x.marketId);
    cell(r, m.tHoursByMarket[x.marketId]!.toFixed(1), "num");
    cell(r, money(g.delta), g.delta < 0 ? "num neg" : "num");
    // + 1¢ of the YES price moves the position by ±size × 0.01 (nothing once resolved)
    cell(r, resolved(x.marketId) ? "—" : dollars((x.side === "yes" ? 1 : -1) * x.size * 0.01), "num");
    cell(r, money(g.gamma), "num");
    cell(r, g.theta.toFixed(4), g.theta < 0 ? "num neg" : "num");
    cell(r, money(g.vega), "num");
  }
  if (gb.rows.length === 0) cell(gb.insertRow(), "no positions", "muted").colSpan = 7;
}

// ------------------------------------------------------------------ start

/** Restores the saved state and wires the tab's controls. */
export function startMine(): void {
  window.__mine = dbg;
  const saved = localStorage.getItem(STORAGE_KEY);
  if (saved !== null) {
    try {
      const s = parseState(saved);
      portfolio = s.p;
      probs = s.probs;
      fee = s.fee;
      eventLabels = s.labels;
    } catch (e) {
      showError("the saved portfolio could not be read (starting empty; it is kept until you change something)", e);
    }
  }
  const form = $<HTMLFormElement>("posForm");
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    addFromForm(form);
  });
  const file = $<HTMLInputElement>("importFile");
  file.addEventListener("change", () => {
    void importFiles(Array.from(file.files ?? [])).finally(() => (file.value = ""));
  });
  const zone = $("dropZone");
  zone.addEventListener("dragover", (ev) => {
    ev.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (ev) => {
    ev.preventDefault();
    zone.classList.remove("over");
    void importFiles(Array.from(ev.dataTransfer?.files ?? []));
  });
  $("exportBtn").addEventListener("click", exportState);
  $("clearAll").addEventListener("click", () => {
    if (portfolio.positions().length === 0 && portfolio.eventDefinitions().length === 0) return;
    if (!confirm("Remove every position, event and probability?")) return;
    transact("remove all", (p, pr, labels) => {
      for (const id of p.marketIds()) p.removePosition(id);
      for (const e of p.eventDefinitions()) p.removeEvent(e.eventId);
      pr.clear();
      labels.clear();
      return "removed everything";
    });
  });
  $<HTMLSelectElement>("feeModel").addEventListener("change", (ev) => {
    const kind = (ev.target as HTMLSelectElement).value as FeeChoice["kind"];
    const value = kind === "polymarket" ? 0.02 : kind === "bps" ? 10 : undefined;
    setFee({ kind, ...(value === undefined ? {} : { value }) });
  });
  $<HTMLInputElement>("feeParam").addEventListener("change", (ev) => {
    setFee({ kind: fee.kind, value: Number((ev.target as HTMLInputElement).value) });
  });
  $<HTMLInputElement>("myCapital").addEventListener("change", (ev) => {
    const t = (ev.target as HTMLInputElement).value.trim();
    transact("bankroll", (p) => {
      p.setCapital(t === "" ? undefined : Number(t.replace(/,/g, "")));
      return t === "" ? "bankroll = the total value of the positions" : `bankroll ${dollars(p.capital)}`;
    });
  });
  $("kellyBtn").addEventListener("click", () => void kellyOrders());
  $("myRun").addEventListener("click", () => void runRisk());
  render();
  dbg.ready = true;
}

function setFee(c: FeeChoice): void {
  try {
    fee = checkFee(c);
    save();
    show("ok", `fees: ${feeLabel(fee)}`);
  } catch (e) {
    showError("fee model", e);
  }
  renderFee();
}

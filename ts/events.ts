// Events: groups of mutually exclusive markets ("who wins the election": one market per candidate,
// at most one resolves YES). Shared by Portfolio and Engine: the definitions (EventBook), the
// state probabilities of an event, and the flat form the wasm engine takes.
import { fail } from "./errors.js";
import * as check from "./validate.js";

/** What `defineEvent` takes. */
export interface EventSpec {
  /** The event's markets (≥ 2, distinct, non-empty ids); they may be listed before they are held. */
  markets: readonly string[];
  /**
   * Optional, so an importer's `ImportedEvent` can be passed as is (`defineEvent(e.eventId, e)`):
   * when present it must equal the id being defined.
   */
  eventId?: string;
  /** Optional display name (accepted from importers; not stored). */
  label?: string;
  /**
   * True when one of the listed markets must resolve YES (e.g. every candidate is listed). Default
   * false: at most one does, and "none of the listed" is possible.
   */
  exhaustive?: boolean;
}

/** A defined event, as `eventDefinitions()` lists it. */
export interface EventDefinition {
  /** The event's id. */
  readonly eventId: string;
  /** Its markets, in the order given. */
  readonly markets: readonly string[];
  /** Whether one listed market must resolve YES. */
  readonly exhaustive: boolean;
}

/** Most markets in one event. */
export const MAX_EVENT_MARKETS = 10_000;

const SPEC_KEYS = new Set(["markets", "exhaustive", "eventId", "label"]);

function eventIdOf(v: unknown): string {
  if (typeof v !== "string" || v.length === 0) fail("INVALID_ARGUMENT", `eventId must be a non-empty string, got ${typeof v === "string" ? '""' : String(v)}`, { field: "eventId" });
  return v;
}

/** Validates an event spec (throws HzError naming the event and the market at fault). */
function validSpec(eventId: string, spec: unknown): { markets: string[]; exhaustive: boolean } {
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
    fail("INVALID_ARGUMENT", `event "${eventId}": expected { markets: string[], exhaustive?: boolean }`, { field: "event", eventId });
  }
  for (const k of Object.keys(spec)) {
    if (!SPEC_KEYS.has(k)) fail("INVALID_ARGUMENT", `event "${eventId}": unknown field "${k}" (expected markets, exhaustive, eventId, label)`, { field: k, eventId });
  }
  const r = spec as { markets?: unknown; exhaustive?: unknown; eventId?: unknown; label?: unknown };
  // An importer's event (`ImportedEvent`) is a spec too: its eventId must be the one defined, its label is not kept.
  if (r.eventId !== undefined && r.eventId !== eventId) {
    fail("INVALID_ARGUMENT", `event "${eventId}": the spec's eventId ${JSON.stringify(String(r.eventId))} differs`, { field: "eventId", eventId });
  }
  if (r.label !== undefined && typeof r.label !== "string") fail("INVALID_ARGUMENT", `event "${eventId}": label must be a string`, { field: "label", eventId });
  if (!Array.isArray(r.markets)) fail("INVALID_ARGUMENT", `event "${eventId}": markets must be an array of market ids`, { field: "markets", eventId });
  if (r.markets.length < 2) fail("INVALID_ARGUMENT", `event "${eventId}": needs at least 2 markets, got ${r.markets.length}`, { field: "markets", eventId });
  if (r.markets.length > MAX_EVENT_MARKETS) fail("LIMIT_EXCEEDED", `event "${eventId}": at most ${MAX_EVENT_MARKETS} markets, got ${r.markets.length}`, { field: "markets", eventId });
  const seen = new Set<string>();
  const markets: string[] = [];
  for (const [i, m] of (r.markets as unknown[]).entries()) {
    if (typeof m !== "string" || m.length === 0) fail("INVALID_ARGUMENT", `event "${eventId}": markets[${i}] must be a non-empty string`, { field: "markets", eventId });
    if (seen.has(m)) fail("INVALID_ARGUMENT", `event "${eventId}": market "${m}" is listed twice`, { marketId: m, field: "markets", eventId });
    seen.add(m);
    markets.push(m);
  }
  if (r.exhaustive !== undefined && typeof r.exhaustive !== "boolean") {
    fail("INVALID_ARGUMENT", `event "${eventId}": exhaustive must be a boolean`, { field: "exhaustive", eventId });
  }
  return { markets, exhaustive: r.exhaustive === true };
}

/**
 * The event definitions of a portfolio or an engine: ids → markets, each market in at most one
 * event. Every change is validated first and applied entirely or not at all. @internal
 */
export class EventBook {
  readonly #events = new Map<string, { markets: string[]; exhaustive: boolean }>();
  readonly #marketEvent = new Map<string, string>();

  /** Defines (or redefines) an event. Throws HzError INVALID_ARGUMENT without changing anything. */
  define(eventId: unknown, spec: unknown): void {
    const id = eventIdOf(eventId);
    const s = validSpec(id, spec);
    for (const m of s.markets) {
      const other = this.#marketEvent.get(m);
      if (other !== undefined && other !== id) {
        fail("INVALID_ARGUMENT", `event "${id}": market "${m}" already belongs to event "${other}" (a market belongs to at most one event)`, { marketId: m, field: "markets", eventId: id });
      }
    }
    const old = this.#events.get(id);
    if (old) for (const m of old.markets) this.#marketEvent.delete(m);
    this.#events.set(id, s);
    for (const m of s.markets) this.#marketEvent.set(m, id);
  }

  /** Removes an event (HzError INVALID_ARGUMENT when it is not defined). */
  remove(eventId: unknown): void {
    const id = eventIdOf(eventId);
    const e = this.#events.get(id);
    if (!e) fail("INVALID_ARGUMENT", `event "${id}" is not defined`, { field: "eventId", eventId: id });
    for (const m of e.markets) this.#marketEvent.delete(m);
    this.#events.delete(id);
  }

  /** Replaces every definition with `defs` (all validated first; nothing changes on error). */
  replaceAll(defs: readonly EventDefinition[]): void {
    const next = new EventBook();
    for (const d of defs) {
      if (typeof d !== "object" || d === null) fail("INVALID_ARGUMENT", "event definitions must be objects { eventId, markets, exhaustive }", { field: "events" });
      const id = eventIdOf(d.eventId);
      if (next.#events.has(id)) fail("INVALID_ARGUMENT", `event "${id}" is defined twice`, { field: "events", eventId: id });
      next.define(id, { markets: d.markets, exhaustive: d.exhaustive });
    }
    this.#events.clear();
    this.#marketEvent.clear();
    for (const [id, e] of next.#events) this.#events.set(id, e);
    for (const [m, id] of next.#marketEvent) this.#marketEvent.set(m, id);
  }

  /** The definitions, in order of definition (copies). */
  list(): EventDefinition[] {
    return [...this.#events].map(([eventId, e]) => ({ eventId, markets: [...e.markets], exhaustive: e.exhaustive }));
  }

  /** The event of a market, if any. */
  eventOf(marketId: string): string | undefined {
    return this.#marketEvent.get(marketId);
  }

  /** The markets of an event (undefined when not defined). */
  marketsOf(eventId: string): readonly string[] | undefined {
    return this.#events.get(eventId)?.markets;
  }

  /** Number of events. */
  get size(): number {
    return this.#events.size;
  }
}

/** An event with its state probabilities resolved (see {@link resolveEvents}). @internal */
export interface ResolvedEvent {
  eventId: string;
  markets: readonly string[];
  exhaustive: boolean;
  /** One state per listed market with a known probability (listed order), then `null` = "none of them" when possible. */
  outcomes: (string | null)[];
  /** Probability of each state (sum 1). */
  probs: number[];
  /** Σ known q − 1 before normalisation (> 0: overround, < 0: underround; 0 within 1e-12). */
  overround: number;
}

/**
 * State probabilities of every event (the rule): q_k = `probs[k]` (YES probability) if
 * given, else the YES price of the held position in k (YES held: its price; NO held: 1 − price),
 * else unknown. Known q with Σ > 1 are scaled to sum 1 (overround reported); with `exhaustive` and
 * every listed market known they are scaled to sum 1 exactly; otherwise the residual 1 − Σq is the
 * state "none of the listed outcomes with a known probability" (`outcome: null`). The null state is
 * listed whenever it is logically possible (not exhaustive, or some market unknown), even with
 * probability 0. An exhaustive event whose known probabilities are all 0 cannot be normalised:
 * HzError INVALID_PROBABILITY naming the event and its first market. @internal
 */
export function resolveEvents(defs: readonly EventDefinition[], yesPriceOf: (marketId: string) => number | undefined, probs: ReadonlyMap<string, number>): ResolvedEvent[] {
  return defs.map((d) => {
    const outcomes: (string | null)[] = [];
    const q: number[] = [];
    for (const m of d.markets) {
      const v = probs.has(m) ? probs.get(m) : yesPriceOf(m);
      if (v === undefined) continue;
      outcomes.push(m);
      q.push(v);
    }
    let sum = 0;
    for (const v of q) sum += v;
    const allKnown = outcomes.length === d.markets.length;
    // A sum within 1e-12 of 1 is 1 (floating-point noise of the caller's own numbers): no scaling.
    const exact = Math.abs(sum - 1) <= 1e-12;
    const overround = exact ? 0 : sum - 1;
    let none: number | undefined;
    if (exact) {
      none = d.exhaustive && allKnown ? undefined : 0;
    } else if (sum > 1) {
      for (let k = 0; k < q.length; k++) q[k] = q[k]! / sum;
      none = d.exhaustive && allKnown ? undefined : 0;
    } else if (d.exhaustive && allKnown) {
      if (!(sum > 0)) {
        fail("INVALID_PROBABILITY", `event "${d.eventId}": the probabilities of its markets (e.g. "${d.markets[0]}") are all 0, but the event is exhaustive (one must win)`, {
          marketId: d.markets[0],
          field: "probs",
          eventId: d.eventId,
        });
      }
      for (let k = 0; k < q.length; k++) q[k] = q[k]! / sum;
    } else {
      none = Math.max(0, 1 - sum);
    }
    if (none !== undefined) {
      outcomes.push(null);
      q.push(none);
    }
    return { eventId: d.eventId, markets: d.markets, exhaustive: d.exhaustive, outcomes, probs: q, overround };
  });
}

/** The flat event model the wasm engine takes, over a list of markets (see rust/src/events.rs). @internal */
export interface EventEncoding {
  isYes: Uint8Array;
  eventOf: Int32Array;
  stateOf: Uint32Array;
  eventProbs: Float64Array;
  eventSizes: Uint32Array;
}

/** Encodes `events` over the markets `ids` (held on `sides`); markets outside events get −1. @internal */
export function encodeEvents(events: readonly ResolvedEvent[], ids: readonly string[], yes: readonly boolean[]): EventEncoding {
  const where = new Map<string, [number, number]>();
  events.forEach((e, ei) => e.outcomes.forEach((m, k) => m !== null && where.set(m, [ei, k])));
  const eventOf = new Int32Array(ids.length).fill(-1);
  const stateOf = new Uint32Array(ids.length);
  ids.forEach((id, i) => {
    const w = where.get(id);
    if (w) [eventOf[i], stateOf[i]] = w;
  });
  return {
    isYes: new Uint8Array(yes.map((b) => (b ? 1 : 0))),
    eventOf,
    stateOf,
    eventProbs: new Float64Array(events.flatMap((e) => e.probs)),
    eventSizes: new Uint32Array(events.map((e) => e.probs.length)),
  };
}

/** Exact per-event results of `metrics()` (computed from the states, not simulated). */
export interface EventMetrics {
  /** The event's markets, as defined. */
  markets: string[];
  /**
   * Its states: one per listed market with a known probability (`outcome` = that market resolves
   * YES), then `outcome: null` = none of them (when possible). `pnl` = P&L of the event's
   * positions in that state, against cost basis.
   */
  states: {
    /** The market that resolves YES, or null for "none of the listed (known) outcomes". */
    outcome: string | null;
    /** Probability of the state (the normalised q). */
    probability: number;
    /** P&L of the event's positions in this state (money, against cost basis). */
    pnl: number;
  }[];
  /** −(worst state P&L): positive = loss. Every state counts, whatever its probability. */
  worstCaseLoss: number;
  /** Best state P&L. */
  bestCaseGain: number;
  /** Σ probability × pnl. */
  expectedPnl: number;
  /** Σ of the known YES probabilities − 1 before normalisation (negative: underround; 0 when within 1e-12). */
  overround: number;
}

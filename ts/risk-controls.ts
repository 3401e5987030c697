// Stateful risk controls of the Engine that are not simple limits: the kill switch, the order rate
// limit (a token bucket), the duplicate-order window and the daily drawdown guard. Every one runs on
// the engine clock (tick times), never on wall time, so replays and restores behave the same.
import { fail } from "./errors.js";
import * as check from "./validate.js";

const MS_PER_DAY = 86_400_000;

/** The UTC day (days since epoch) of a time in ms. */
export function utcDay(time: number): number {
  return Math.floor(time / MS_PER_DAY);
}

/**
 * A token bucket: `burst` tokens at most, refilled at `sustained` tokens per second of engine
 * clock. Each order takes one; an order finding the bucket empty is rejected `"rateLimit"`.
 */
export class TokenBucket {
  /** Tokens left (fractional while refilling). */
  tokens: number;
  /** Engine time of the last refill (ms), undefined before the first order. */
  time: number | undefined;

  constructor(
    readonly sustained: number,
    readonly burst: number,
    state?: { tokens: number; time: number | null },
  ) {
    this.tokens = state ? state.tokens : burst;
    this.time = state?.time ?? undefined;
  }

  /** Tokens available at `now` (refills, does not take). */
  available(now: number): number {
    if (this.time === undefined || now <= this.time) return this.tokens;
    return Math.min(this.burst, this.tokens + ((now - this.time) / 1000) * this.sustained);
  }

  /** Takes one token at `now`; false (nothing changed) when fewer than one is available. */
  take(now: number): boolean {
    const t = this.available(now);
    // Floating-point refills land a hair below 1: treat within 1e-9 as a whole token.
    if (t < 1 - 1e-9) return false;
    this.tokens = Math.max(0, t - 1);
    this.time = this.time === undefined ? now : Math.max(this.time, now);
    return true;
  }

  /** Saved state. */
  toJSON(): { tokens: number; time: number | null } {
    return { tokens: this.tokens, time: this.time ?? null };
  }
}

/** The identity of an order for duplicate detection: market, side, action, size and limit. */
export function orderKey(o: { marketId: string; side: string; action: string; size: number; limitPrice?: number }): string {
  return JSON.stringify([o.marketId, o.side, o.action, o.size, o.limitPrice ?? null]);
}

/** Filled orders of the last `windowMs` of engine clock, to reject identical ones (`"duplicate"`). */
export class DedupWindow {
  /** [key, fill time] of recent fills, oldest first. */
  readonly recent: Array<[string, number]>;

  constructor(
    readonly windowMs: number,
    recent: Array<[string, number]> = [],
  ) {
    this.recent = recent;
  }

  /** Drops fills older than the window at `now`. */
  #prune(now: number): void {
    let k = 0;
    while (k < this.recent.length && now - this.recent[k]![1] >= this.windowMs) k++;
    if (k > 0) this.recent.splice(0, k);
  }

  /** The time of an identical fill less than `windowMs` before `now`, or undefined. */
  duplicateOf(key: string, now: number): number | undefined {
    for (let i = this.recent.length - 1; i >= 0; i--) {
      const [k, t] = this.recent[i]!;
      if (now - t >= this.windowMs) break;
      if (k === key) return t;
    }
    return undefined;
  }

  /** Records a fill. */
  add(key: string, now: number): void {
    this.#prune(now);
    this.recent.push([key, now]);
  }
}

/** Kill switch state: while active, orders that increase exposure are rejected `"killSwitch"`. */
export interface KillSwitchState {
  /** True while the switch is on. */
  active: boolean;
  /** Why it was switched on (by you, or by `maxDailyDrawdownPct`), or null. */
  reason: string | null;
}

/** Validates a rate-limit pair: sustained > 0 orders/s, burst ≥ 1 (default max(1, sustained)). */
export function checkRateLimit(sustained: unknown, burst: unknown): { sustained: number; burst: number } | undefined {
  if (sustained === undefined && burst === undefined) return undefined;
  if (sustained === undefined) fail("INVALID_ARGUMENT", "riskConfig.rateLimitBurst needs rateLimitSustained (orders per second of engine clock)", { field: "rateLimitSustained" });
  const s = check.positive(sustained, "rateLimitSustained");
  const b = burst === undefined ? Math.max(1, s) : check.positive(burst, "rateLimitBurst");
  if (b < 1) fail("INVALID_ARGUMENT", `riskConfig.rateLimitBurst must be ≥ 1 (one order), got ${b}`, { field: "rateLimitBurst" });
  return { sustained: s, burst: b };
}

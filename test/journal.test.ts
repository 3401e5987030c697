// Durable engine: the journal's framing, torn and corrupt records, compaction, options checks, a
// custom store — and the crash test: a child process trading the real PredictIt data through a
// journaled engine is killed with SIGKILL at 30 seeded moments; each recovery must equal an
// uninterrupted run after some prefix of its operations that contains every acknowledged one.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { Engine, FeeModel, HzError, Journal, openJournal, type JournalStore } from "../dist/index.js";
// @ts-expect-error a plain .mjs module shared with the child process
import { engineOptions, session } from "./journal/workload.mjs";

const dir = mkdtempSync(join(tmpdir(), "hz-journal-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const T0 = Date.parse("2025-03-03T10:00:00Z");
const sha = (s: string) => createHash("sha256").update(s).digest("hex");

async function recover(path: string): Promise<Engine> {
  const e = await Engine.open(await openJournal(path));
  return e;
}

/** A small journaled session: quotes, orders, fees, a settlement. Returns the path and the states after each op. */
async function small(name: string): Promise<{ path: string; states: string[] }> {
  const path = join(dir, name);
  const e = await Engine.open(await openJournal(path), { capital: 1000, fees: FeeModel.kalshi() });
  const states = [JSON.stringify(e)];
  const step = async (f: () => unknown) => {
    await f();
    states.push(JSON.stringify(e));
  };
  await step(() => e.pushQuote("a", { bid: 0.4, ask: 0.42 }, T0));
  await step(() => e.pushPrice("b", 0.7, T0));
  await step(() => e.submitOrder({ marketId: "a", side: "yes", action: "buy", size: 100 }));
  await step(() => e.setFees("b", FeeModel.bps(20)));
  await step(() => e.submitOrder({ marketId: "b", side: "no", action: "buy", size: 50 }));
  await step(() => e.submitOrder({ marketId: "b", side: "no", action: "sell", size: 500 })); // rejected: still journaled
  await step(() => e.defineEvent("race", { markets: ["a", "c"], exhaustive: false }));
  await step(() => e.activateKillSwitch("test"));
  await step(() => e.settle("a", "yes", T0 + 1000));
  await e.close();
  return { path, states };
}

describe("journal", () => {
  it("recovers exactly the state it journaled; a closed engine refuses changes", async () => {
    const { path, states } = await small("basic.log");
    const e = await recover(path);
    expect(JSON.stringify(e)).toBe(states[states.length - 1]);
    expect(e.isSettled("a")).toBe(true);
    // the recovered engine journals on
    e.deactivateKillSwitch();
    await e.submitOrder({ marketId: "b", side: "no", action: "buy", size: 10 });
    const after = JSON.stringify(e);
    await e.close();
    await expect(e.submitOrder({ marketId: "b", side: "no", action: "buy", size: 1 })).rejects.toMatchObject({ code: "INVALID_STATE" });
    expect(() => e.pushPrice("b", 0.5)).toThrow(HzError);
    const back = await recover(path);
    expect(JSON.stringify(back)).toBe(after);
    await back.close();
  });

  it("a torn last record (truncated at every byte offset) is dropped, never applied partly", async () => {
    const { path, states } = await small("torn.log");
    const full = readFileSync(path);
    const text = full.toString("utf8");
    const lastStart = text.lastIndexOf("\n", text.length - 2) + 1;
    const lastLen = Buffer.byteLength(text.slice(lastStart), "utf8");
    const before = full.length - lastLen;
    for (let cut = before; cut < full.length; cut++) {
      const p = join(dir, `torn-${cut}.log`);
      writeFileSync(p, full.subarray(0, cut));
      const e = await recover(p);
      // cut just before the final newline: the record itself is complete and valid
      const expected = cut === full.length - 1 ? states[states.length - 1] : states[states.length - 2];
      expect(JSON.stringify(e)).toBe(expected);
      // the journal goes on cleanly after the torn bytes were dropped
      e.deactivateKillSwitch();
      await e.flush();
      const next = JSON.stringify(e);
      await e.close();
      const again = await recover(p);
      expect(JSON.stringify(again)).toBe(next);
      await again.close();
    }
  });

  it("corruption before the last record is JOURNAL_CORRUPT naming the record (a flipped byte, a missing record)", async () => {
    const { path } = await small("corrupt.log");
    const lines = readFileSync(path, "utf8").split("\n");
    for (const [i, mutate] of [
      [1, (l: string) => l.replace("0.42", "0.43")],
      [3, (l: string) => l.slice(0, 20) + (l[20] === "x" ? "y" : "x") + l.slice(21)],
    ] as const) {
      const bad = [...lines];
      bad[i] = mutate(bad[i]!);
      expect(bad[i]).not.toBe(lines[i]);
      const p = join(dir, `corrupt-${i}.log`);
      writeFileSync(p, bad.join("\n"));
      const err = await openJournal(p).then((j) => Engine.open(j)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HzError);
      expect((err as HzError).code).toBe("JOURNAL_CORRUPT");
      expect((err as HzError).message).toMatch(new RegExp(`record ${i + 1}\\b`));
    }
    const missing = [...lines];
    missing.splice(3, 1);
    const p = join(dir, "missing.log");
    writeFileSync(p, missing.join("\n"));
    await expect(openJournal(p).then((j) => Engine.open(j))).rejects.toMatchObject({ code: "JOURNAL_CORRUPT", message: expect.stringMatching(/record 4 .*sequence/) });
  });

  it("compact() writes a snapshot and drops the records it covers", async () => {
    const { path, states } = await small("compact.log");
    const e = await recover(path);
    await e.compact();
    expect(readFileSync(path, "utf8").trim().split("\n")).toHaveLength(1);
    e.pushPrice("b", 0.65, T0 + 5000);
    await e.flush();
    const after = JSON.stringify(e);
    await e.close();
    expect(after).not.toBe(states[states.length - 1]);
    const back = await recover(path);
    expect(JSON.stringify(back)).toBe(after);
    await back.close();
  });

  it("options must agree with the recovered engine; a new journal starts an engine with them", async () => {
    const { path } = await small("options.log");
    await expect(Engine.open(await openJournal(path), { capital: 999 })).rejects.toMatchObject({ code: "INVALID_ARGUMENT", field: "options" });
    const same = await Engine.open(await openJournal(path), { capital: 1000, fees: FeeModel.kalshi() });
    expect(same.capital).toBe(1000);
    await same.close();
    const fresh = await Engine.open(await openJournal(join(dir, "fresh.log")), { capital: 50, mark: "bid" });
    expect(fresh.toJSON()).toMatchObject({ capital: 50, mark: "bid", cash: 50 });
    await fresh.close();
  });

  it("synchronous changes become durable at flush() or within flushIntervalMs", async () => {
    const path = join(dir, "interval.log");
    const e = await Engine.open(await openJournal(path, { flushIntervalMs: 10 }));
    e.pushPrice("m", 0.5, T0);
    expect(readFileSync(path, "utf8").trim().split("\n")).toHaveLength(1); // only the snapshot so far
    await new Promise((r) => setTimeout(r, 60));
    expect(readFileSync(path, "utf8").trim().split("\n")).toHaveLength(2);
    e.pushPrice("m", 0.6, T0 + 1);
    await e.flush();
    expect(readFileSync(path, "utf8").trim().split("\n")).toHaveLength(3);
    await e.close();
  });

  it("a custom JournalStore (here in memory) plugs in; a failing store rejects the order, which is not acknowledged", async () => {
    class MemoryStore implements JournalStore {
      lines: string[] = [];
      fail = false;
      async append(l: readonly string[]) {
        if (this.fail) throw new Error("disk full");
        this.lines.push(...l);
      }
      async read() {
        return [...this.lines];
      }
      async replace(l: readonly string[]) {
        this.lines = [...l];
      }
      async close() {}
    }
    const store = new MemoryStore();
    const e = await Engine.open(new Journal(store));
    e.pushPrice("m", 0.5, T0);
    await e.submitOrder({ marketId: "m", side: "yes", action: "buy", size: 3 });
    expect(store.lines).toHaveLength(3);
    store.fail = true;
    await expect(e.submitOrder({ marketId: "m", side: "yes", action: "buy", size: 4 })).rejects.toMatchObject({ code: "INVALID_STATE", message: expect.stringMatching(/disk full/) });
    store.fail = false;
    await e.flush(); // the pending record is written once the store works again
    const back = await Engine.open(new Journal(store));
    expect(JSON.stringify(back)).toBe(JSON.stringify(e));
    expect(() => new Journal({} as JournalStore)).toThrow(HzError);
  });
});

describe("crash test (SIGKILL at 30 seeded moments)", () => {
  const child = fileURLToPath(new URL("./journal/child.mjs", import.meta.url));

  function run(path: string, killAfterMs?: number): Promise<{ acked: number; done: boolean; ms: number }> {
    return new Promise((resolve, reject) => {
      const p = spawn(process.execPath, [child, path], { stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      let t0 = 0;
      p.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if (t0 === 0 && out.includes("READY\n")) {
          t0 = performance.now();
          if (killAfterMs !== undefined) setTimeout(() => p.kill("SIGKILL"), killAfterMs);
        }
      });
      p.on("error", reject);
      p.on("close", () => {
        const acks = [...out.matchAll(/^ACK (\d+)$/gm)].map((m) => Number(m[1]));
        resolve({ acked: acks.length ? acks[acks.length - 1]! : 0, done: out.includes("DONE\n"), ms: performance.now() - t0 });
      });
    });
  }

  it("every recovery equals the uninterrupted run after a prefix containing every acknowledged operation", async () => {
    // The reference: the same session uninterrupted, the state after each operation (by hash).
    const ref = new Engine(engineOptions());
    const at = new Map<string, number>([[sha(JSON.stringify(ref)), 0]]);
    const total: number = await session(ref, (n: number) => at.set(sha(JSON.stringify(ref)), n));
    // One full run: the journal replays to the final state, and tells how long a session takes.
    const full = await run(join(dir, "crash-full.log"));
    expect(full.done).toBe(true);
    expect(full.acked).toBe(total);
    const whole = await recover(join(dir, "crash-full.log"));
    expect(at.get(sha(JSON.stringify(whole)))).toBe(total);
    await whole.close();
    // Kill times from a fixed-seed generator over the session's duration.
    let seed = 20261129;
    const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    let midRun = 0;
    for (let k = 0; k < 30; k++) {
      const path = join(dir, `crash-${k}.log`);
      const r = await run(path, rnd() * full.ms);
      const e = await recover(path);
      const prefix = at.get(sha(JSON.stringify(e)));
      expect(prefix, `run ${k}: the recovered state is not a prefix state of the session`).toBeDefined();
      expect(prefix!).toBeGreaterThanOrEqual(r.acked);
      if (!r.done) midRun++;
      await e.close();
    }
    expect(midRun).toBeGreaterThanOrEqual(10); // most kills land mid-session
  }, 240_000);
});

// The engine's write-ahead journal: framing (sequence number + CRC-32 per record), torn-tail and
// corruption detection, batching and durability (flush), compaction. Where the bytes go is a
// JournalStore: a file in Node and Deno (journal-file.ts), IndexedDB in browsers (journal-idb.ts),
// or your own. This module knows nothing of the Engine: records are opaque JSON values.
import CRC32 from "crc-32";
import { fail, HzError } from "./errors.js";
import * as check from "./validate.js";
import { openStore } from "./journal-store.js";

/**
 * Where a journal keeps its records: an append-only list of text lines. Implement it to keep an
 * engine's journal in SQLite, Postgres, a cloud bucket… (see docs/concepts.md "Durability").
 *
 * - `append(lines)` adds lines at the end and resolves only once they are **durable** (fsync'd,
 *   committed): the engine acknowledges an order when this resolves.
 * - `read()` returns every line, oldest first. After a crash the last line may be torn (cut short):
 *   return it as it is, the journal detects it.
 * - `replace(lines)` atomically replaces the whole content (compaction, or dropping a torn tail):
 *   after a crash either the old or the new content is there, never a mix.
 * - `close()` releases the store.
 */
export interface JournalStore {
  /** Appends lines durably, in order. */
  append(lines: readonly string[]): Promise<void>;
  /** Every line, oldest first (the last one may be torn). */
  read(): Promise<string[]>;
  /** Atomically replaces the content with `lines`. */
  replace(lines: readonly string[]): Promise<void>;
  /** Releases the store. */
  close(): Promise<void>;
}

/** Options of {@link openJournal}. */
export interface JournalOptions {
  /** Synchronous changes (`pushPrice`, `pushQuote`, …) become durable within this many ms, or at `flush()`. Default 100. */
  flushIntervalMs?: number;
}

/** A decoded record: its sequence number and its JSON value. @internal */
export interface JournalEntry {
  seq: number;
  value: unknown;
}

const hex = (n: number) => (n >>> 0).toString(16).padStart(8, "0");

/** One line: `<seq> <crc32 of "<seq> <json>" in hex> <json>`. @internal */
export function encodeRecord(seq: number, value: unknown): string {
  const body = JSON.stringify(value);
  return `${seq} ${hex(CRC32.str(`${seq} ${body}`))} ${body}`;
}

/** Decodes one line, or undefined when it is torn or corrupt. */
function decodeRecord(line: string): JournalEntry | undefined {
  const m = /^(\d+) ([0-9a-f]{8}) (.*)$/s.exec(line);
  if (!m) return undefined;
  const seq = Number(m[1]);
  if (hex(CRC32.str(`${m[1]} ${m[3]}`)) !== m[2]) return undefined;
  try {
    return { seq, value: JSON.parse(m[3]!) as unknown };
  } catch {
    return undefined;
  }
}

/**
 * Decodes a store's lines. Records must carry consecutive sequence numbers. A bad **last** line is a
 * torn write (the process died mid-append): it is dropped (`torn: true`) and never applied. A bad
 * line before it is corruption: an HzError `JOURNAL_CORRUPT` naming the record. @internal
 */
export function decodeRecords(lines: readonly string[]): { entries: JournalEntry[]; torn: boolean } {
  const entries: JournalEntry[] = [];
  // A trailing empty line is the newline after the last record, not a record.
  const n = lines.length > 0 && lines[lines.length - 1] === "" ? lines.length - 1 : lines.length;
  for (let i = 0; i < n; i++) {
    const e = decodeRecord(lines[i]!);
    const expected = entries.length === 0 ? undefined : entries[entries.length - 1]!.seq + 1;
    if (!e || (expected !== undefined && e.seq !== expected)) {
      if (i === n - 1) return { entries, torn: true };
      const what = e ? `has sequence number ${e.seq}, expected ${expected}` : "fails its checksum";
      fail("JOURNAL_CORRUPT", `journal record ${i + 1} (line ${i + 1}${expected !== undefined ? `, sequence ${expected}` : ""}) ${what}: the journal is corrupt before its last record; restore it from a backup (nothing was applied)`, { field: `record ${i + 1}` });
    }
    entries.push(e);
  }
  return { entries, torn: false };
}

/**
 * An open journal: records appended in order, batched, made durable by `flush()` (or within
 * `flushIntervalMs`). Open one with {@link openJournal}; give it to `Engine.open`.
 */
export class Journal {
  /** The store behind the journal. */
  readonly store: JournalStore;
  /** Synchronous changes are flushed within this many ms. */
  readonly flushIntervalMs: number;
  #seq = 0;
  #pending: string[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #error: unknown;
  #closed = false;
  #attached = false;

  constructor(store: JournalStore, options: JournalOptions = {}) {
    const o = check.options(options, "options");
    for (const f of ["append", "read", "replace", "close"] as const) {
      if (typeof (store as unknown as Record<string, unknown>)?.[f] !== "function") fail("INVALID_ARGUMENT", `a JournalStore needs ${f}()`, { field: "store" });
    }
    this.store = store;
    this.flushIntervalMs = check.nonNegative(o.flushIntervalMs ?? 100, "flushIntervalMs");
  }

  /** True once closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Reads and validates every record (dropping a torn tail from the store, atomically). Called once
   * by `Engine.open`. @internal
   */
  async recover(): Promise<unknown[]> {
    if (this.#attached) fail("INVALID_STATE", "this journal is already in use by an engine: open it once", { field: "journal" });
    this.#attached = true;
    const lines = await this.store.read();
    if (!Array.isArray(lines) || lines.some((l) => typeof l !== "string")) fail("INVALID_ARGUMENT", "JournalStore.read() must resolve to an array of strings", { field: "store" });
    const { entries, torn } = decodeRecords(lines);
    if (torn) await this.store.replace(entries.map((e) => encodeRecord(e.seq, e.value)));
    this.#seq = entries.length === 0 ? 0 : entries[entries.length - 1]!.seq;
    return entries.map((e) => e.value);
  }

  /** Adds a record to the next flush (and schedules one). @internal */
  record(value: unknown): void {
    if (this.#closed) fail("INVALID_STATE", "the journal is closed", { field: "journal" });
    this.#pending.push(encodeRecord(++this.#seq, value));
    if (this.#timer === undefined) this.#timer = setTimeout(() => void this.flush().catch(() => {}), this.flushIntervalMs);
  }

  /** Makes every record so far durable. Rejects with an HzError if the store failed (the records stay pending). */
  flush(): Promise<void> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const run = this.#flushing.then(async () => {
      if (this.#pending.length === 0) {
        if (this.#error !== undefined) throw this.#error;
        return;
      }
      const lines = this.#pending;
      this.#pending = [];
      try {
        await this.store.append(lines);
        this.#error = undefined;
      } catch (e) {
        this.#pending = [...lines, ...this.#pending];
        this.#error = e instanceof HzError ? e : new HzError("INVALID_STATE", `journal: the store failed to append (${e instanceof Error ? e.message : String(e)}); the change is not durable`, { field: "journal" });
        throw this.#error;
      }
    });
    this.#flushing = run.catch(() => {});
    return run;
  }

  /** Replaces the whole journal with one snapshot record (after flushing). @internal */
  async compact(snapshot: unknown): Promise<void> {
    await this.flush();
    await this.store.replace([encodeRecord(++this.#seq, snapshot)]);
  }

  /** Flushes and closes the store; later changes to the engine throw INVALID_STATE. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.flush();
    this.#closed = true;
    await this.store.close();
  }
}

/**
 * Opens a journal for `Engine.open`: in Node and Deno `location` is a file path (an append-only
 * file, created if missing; every append is fsync'd); in browsers it is the name of an IndexedDB
 * database (through `idb`, committed with strict durability). Or pass your own {@link JournalStore}.
 */
export async function openJournal(location: string | JournalStore, options: JournalOptions = {}): Promise<Journal> {
  if (typeof location === "object" && location !== null) return new Journal(location, options);
  if (typeof location !== "string" || location === "") fail("INVALID_ARGUMENT", "openJournal expects a file path (Node, Deno), a database name (browsers) or a JournalStore", { field: "location" });
  return new Journal(await openStore(location), options);
}

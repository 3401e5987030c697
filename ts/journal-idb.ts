// The journal in IndexedDB (browsers), through the maintained `idb` wrapper: one object store of
// lines under auto-increment keys; each append is one transaction committed with strict durability.
import { openDB, type IDBPDatabase } from "idb";
import { fail } from "./errors.js";
import type { JournalStore } from "./journal.js";

const STORE = "records";

/** A {@link JournalStore} in an IndexedDB database. */
export class IdbJournalStore implements JournalStore {
  #db: IDBPDatabase | undefined;

  private constructor(
    readonly name: string,
    db: IDBPDatabase,
  ) {
    this.#db = db;
  }

  /** Opens (creating if missing) the database `name`. */
  static async open(name: string): Promise<IdbJournalStore> {
    if (typeof indexedDB === "undefined") fail("INVALID_STATE", "openJournal: IndexedDB is not available here: pass a file path in Node/Deno or your own JournalStore", { field: "location" });
    const db = await openDB(name, 1, {
      upgrade(d) {
        d.createObjectStore(STORE, { autoIncrement: true });
      },
    });
    return new IdbJournalStore(name, db);
  }

  #database(): IDBPDatabase {
    if (!this.#db) fail("INVALID_STATE", `the journal database "${this.name}" is closed`, { field: "journal" });
    return this.#db;
  }

  async append(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    const tx = this.#database().transaction(STORE, "readwrite", { durability: "strict" });
    for (const l of lines) void tx.store.add(l);
    await tx.done;
  }

  async read(): Promise<string[]> {
    return (await this.#database().getAll(STORE)) as string[];
  }

  async replace(lines: readonly string[]): Promise<void> {
    const tx = this.#database().transaction(STORE, "readwrite", { durability: "strict" });
    void tx.store.clear();
    for (const l of lines) void tx.store.add(l);
    await tx.done;
  }

  async close(): Promise<void> {
    this.#db?.close();
    this.#db = undefined;
  }
}

// The unbundled build's choice of journal store by runtime. The published entries replace this
// module (scripts/bundle.mjs): a file in the Node/Deno entry, IndexedDB in the browser one.
import type { JournalStore } from "./journal.js";

const isFileSystemHost = (): boolean =>
  typeof (globalThis as { Deno?: unknown }).Deno !== "undefined" || typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === "string";

/** Opens the default store at `location`: a file path (Node, Deno) or an IndexedDB database name (browsers). */
export async function openStore(location: string): Promise<JournalStore> {
  if (isFileSystemHost()) return (await import("./journal-file.js")).FileJournalStore.open(location);
  return (await import("./journal-idb.js")).IdbJournalStore.open(location);
}

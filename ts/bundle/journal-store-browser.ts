// The browser entry's journal store: an IndexedDB database.
import { IdbJournalStore } from "../journal-idb.js";
import type { JournalStore } from "../journal.js";

/** Opens the IndexedDB database `location`. */
export function openStore(location: string): Promise<JournalStore> {
  return IdbJournalStore.open(location);
}

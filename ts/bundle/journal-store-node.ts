// The Node/Deno entry's journal store: a file.
import { FileJournalStore } from "../journal-file.js";
import type { JournalStore } from "../journal.js";

/** Opens the journal file at `location`. */
export function openStore(location: string): Promise<JournalStore> {
  return FileJournalStore.open(location);
}

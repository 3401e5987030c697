// The journal in a file (Node and Deno): one record per line, appended and fsync'd before an
// append resolves; replaced atomically (write a temporary file, fsync, rename over, fsync the folder).
import * as fsPromises from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import * as nodePath from "node:path";
import { fail } from "./errors.js";
import type { JournalStore } from "./journal.js";

// Imported statically: only the Node/Deno entry (and, unbundled, a file-system host) loads this module.
type Fs = typeof import("node:fs/promises");
type Path = typeof import("node:path");

/** A {@link JournalStore} in an append-only file. */
export class FileJournalStore implements JournalStore {
  #fh: FileHandle | undefined;
  /** The file ends with a whole record but not its newline (a crash cut just that): add it first. */
  #needsNewline = false;

  private constructor(
    readonly path: string,
    readonly fs: Fs,
    readonly pathLib: Path,
    fh: FileHandle,
  ) {
    this.#fh = fh;
  }

  /** Opens (creating if missing) the journal file at `path`. */
  static async open(path: string): Promise<FileJournalStore> {
    const fs: Fs = fsPromises;
    const pathLib: Path = nodePath;
    let fh: FileHandle;
    try {
      fh = await fs.open(path, "a");
    } catch (e) {
      return fail("INVALID_ARGUMENT", `openJournal: cannot open "${path}" for appending (${(e as Error).message}); check the folder exists and is writable`, { field: "location" });
    }
    return new FileJournalStore(path, fs, pathLib, fh);
  }

  #handle(): FileHandle {
    if (!this.#fh) fail("INVALID_STATE", `the journal file "${this.path}" is closed`, { field: "journal" });
    return this.#fh;
  }

  async append(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    const fh = this.#handle();
    await fh.appendFile((this.#needsNewline ? "\n" : "") + lines.join("\n") + "\n", "utf8");
    await fh.datasync();
    this.#needsNewline = false;
  }

  async read(): Promise<string[]> {
    const text = await this.fs.readFile(this.path, "utf8");
    this.#needsNewline = text !== "" && !text.endsWith("\n");
    return text === "" ? [] : text.split("\n");
  }

  async replace(lines: readonly string[]): Promise<void> {
    const tmp = `${this.path}.tmp`;
    const out = await this.fs.open(tmp, "w");
    try {
      await out.writeFile(lines.length === 0 ? "" : lines.join("\n") + "\n", "utf8");
      await out.sync();
    } finally {
      await out.close();
    }
    await this.#handle().close();
    this.#fh = undefined;
    await this.fs.rename(tmp, this.path);
    // Make the rename itself durable (not supported everywhere: best effort).
    try {
      const dir = await this.fs.open(this.pathLib.dirname(this.path), "r");
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    } catch {
      // e.g. Windows cannot open a folder
    }
    this.#fh = await this.fs.open(this.path, "a");
    this.#needsNewline = false;
  }

  async close(): Promise<void> {
    const fh = this.#fh;
    this.#fh = undefined;
    await fh?.close();
  }
}

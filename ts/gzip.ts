// The engine reaches browsers gzip-compressed (dist/browser/hz_portfolio_bg.wasm.gz, ≈ 156 kB for
// the 380 kB .wasm — under webpack's 244 KiB asset hint — and the copy embedded in the standalone
// browser entry). Bytes are told apart by their first bytes, never by a file name or a header: a
// static server may answer a `.gz` with `Content-Encoding: gzip`, and the browser then hands over
// the already decompressed .wasm; a user's init({ wasm }) may give either.

/** True when `b` starts with the gzip magic number 1f 8b. */
export function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/** Decompresses a gzip member with the platform's `DecompressionStream` (browsers, Node ≥ 18, Deno). */
export async function gunzip(b: Uint8Array): Promise<Uint8Array> {
  if (typeof DecompressionStream !== "function") {
    throw new Error(
      "these bytes are gzip-compressed and this JavaScript engine has no DecompressionStream to decompress them: " +
        "give init({ wasm }) the uncompressed hz_portfolio_bg.wasm instead",
    );
  }
  const stream = new Blob([b as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream("gzip"));
  try {
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (err) {
    // The stream's own error says little (Chromium: "Failed to fetch"; Node: "unexpected end of file").
    throw new Error(`the gzip data is corrupt or truncated (${err instanceof Error ? err.message : String(err)}): give the complete hz_portfolio_bg.wasm.gz, or the uncompressed .wasm`);
  }
}

/** The engine's `.wasm` bytes from `b`, compressed (gzip) or not. */
export function wasmBytes(b: Uint8Array): Promise<Uint8Array> | Uint8Array {
  return isGzip(b) ? gunzip(b) : b;
}

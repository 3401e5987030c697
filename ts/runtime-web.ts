// The worker runtime for browsers, Web Workers in other hosts (Cloudflare-style workers, Bun's web
// entry…): module Web Workers. The worker starts from the file next to the entry (worker-file.ts:
// the literal `new Worker(new URL("./worker.js", import.meta.url), …)` that Vite and webpack find,
// bundle and emit), else from its source embedded in the entry (a `blob:` URL): the standalone
// browser entry, for bundlers without worker detection (esbuild, evanw/esbuild#795), has no file
// and starts the embedded copy directly, so nothing needs copying and nothing 404s.
import type { Endpoint } from "comlink";
import { isReadyMessage, type WorkerHandle } from "./runtime-common.js";
import { startWorkerFile } from "./worker-file.js";

declare const __HZ_WEB_WORKER_SOURCE__: string | undefined;
const embeddedWorker = typeof __HZ_WEB_WORKER_SOURCE__ === "string" ? __HZ_WEB_WORKER_SOURCE__ : undefined;

/** Waits for the worker's ready message; rejects with what the host said if it fails to load. */
function started(w: Worker): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onMessage = (ev: MessageEvent) => {
      if (!isReadyMessage(ev.data)) return;
      cleanup();
      resolve();
    };
    const onError = (ev: Event) => {
      ev.preventDefault?.();
      cleanup();
      // A module that cannot be fetched (404, wrong MIME type) gives a bare Event without message.
      reject(new Error((ev as ErrorEvent).message || "the script could not be loaded (not found, or not served as JavaScript)"));
    };
    const cleanup = () => {
      w.removeEventListener("message", onMessage);
      w.removeEventListener("error", onError);
    };
    w.addEventListener("message", onMessage);
    w.addEventListener("error", onError);
  });
}

function handle(w: Worker): WorkerHandle {
  const exitListeners: Array<(r: string) => void> = [];
  let exited = false;
  const exit = (reason: string) => {
    if (exited) return;
    exited = true;
    exitListeners.forEach((l) => l(reason));
  };
  // An uncaught error leaves a Web Worker running in an unknown state: treat it as dead.
  w.addEventListener("error", (ev) => {
    ev.preventDefault?.();
    w.terminate();
    exit(`worker error: ${(ev as ErrorEvent).message || "an uncaught error without message"}`);
  });
  w.addEventListener("messageerror", () => exit("worker message error"));
  // Deno's Web Worker can be unref'd (Deno ≥ 2.x, `Worker.prototype.unref` where present); a
  // browser tab has no process to keep alive.
  const ref = (w as unknown as { ref?: () => void }).ref?.bind(w) ?? (() => {});
  const unref = (w as unknown as { unref?: () => void }).unref?.bind(w) ?? (() => {});
  return {
    endpoint: w as unknown as Endpoint,
    terminate: () => {
      w.terminate();
      exit("worker terminated");
    },
    onExit: (l) => exitListeners.push(l),
    ref,
    unref,
  };
}

/** Starts `w` and waits until it serves requests; terminates it if it fails to. */
async function ready(w: Worker): Promise<WorkerHandle> {
  try {
    await started(w);
    return handle(w);
  } catch (err) {
    w.terminate();
    throw err;
  }
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Starts one engine worker and waits until it serves requests. `workerUrl` overrides the worker module. */
export async function spawnWorker(workerUrl?: URL | string): Promise<WorkerHandle> {
  // A browser entry running where there are no Web Workers (Node, through "hz-portfolio/standalone"
  // or a bundle made for the browser): say so, rather than blame a Content-Security-Policy.
  if (typeof Worker !== "function") {
    throw new Error(
      'this JavaScript runtime has no Web Workers (Worker is not defined): hz-portfolio\'s browser entry is running outside a browser. ' +
        'In Node, import "hz-portfolio" without a browser condition (its Node entry uses worker_threads), or pass runtime: "inline"',
    );
  }
  if (workerUrl !== undefined) {
    // Through a variable: bundlers warn about `new URL(variable, import.meta.url)`.
    const here = import.meta.url;
    const url = new URL(String(workerUrl), here).href;
    try {
      return await ready(new Worker(url, { type: "module" }));
    } catch (err) {
      throw new Error(`the engine worker could not start from "${url}": ${messageOf(err)}. Serve hz-portfolio's dist/browser/worker.js there, or pass its URL to init({ workerUrl })`);
    }
  }
  // The worker file next to the entry (emitted by Vite and webpack); none in the standalone entry.
  const file = startWorkerFile();
  let fileFailure: string | undefined;
  if (file) {
    try {
      return await ready(file.worker);
    } catch (err) {
      if (embeddedWorker === undefined) {
        throw new Error(`the engine worker could not start from "${file.url}": ${messageOf(err)}. Serve hz-portfolio's dist/browser/worker.js there, or pass its URL to init({ workerUrl })`);
      }
      fileFailure = `"${file.url}" (${messageOf(err)})`;
    }
  }
  if (embeddedWorker === undefined) throw new Error("this build has neither a worker file nor an embedded worker: pass the worker module's URL to init({ workerUrl })");
  // The embedded copy, from memory: nothing to fetch.
  const blobUrl = URL.createObjectURL(new Blob([embeddedWorker], { type: "text/javascript" }));
  try {
    return await ready(new Worker(blobUrl, { type: "module" }));
  } catch (err) {
    throw new Error(
      `the engine worker could not start ${fileFailure ? `from ${fileFailure} nor ` : ""}from its copy embedded in hz-portfolio (${messageOf(err)}): ` +
        "a Content-Security-Policy may forbid blob: workers (allow worker-src blob:), or serve hz-portfolio's dist/browser/worker.js and pass its URL to init({ workerUrl })",
    );
  } finally {
    URL.revokeObjectURL(blobUrl);
  }
}

/** Inside a worker: the endpoint to the parent. */
export function workerEndpoint(): Endpoint {
  return globalThis as unknown as Endpoint;
}

/** Cores available: `navigator.hardwareConcurrency`. */
export function availableCores(): number {
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return Math.max(1, typeof n === "number" && Number.isFinite(n) ? n : 1);
}

/** Fetches a URL's bytes (no file system here). */
export async function readFileUrl(url: URL): Promise<Uint8Array> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`HTTP ${r.status} ${r.statusText}`);
  return new Uint8Array(await r.arrayBuffer());
}

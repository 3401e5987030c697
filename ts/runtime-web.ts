// The worker runtime for browsers, Web Workers in other hosts (Cloudflare-style workers, Bun's web
// entry…): module Web Workers. The `new Worker(new URL("./worker.js", import.meta.url), { type:
// "module" })` below is written literally so that Vite and webpack find, bundle and emit the
// worker. Bundlers without worker detection (esbuild, evanw/esbuild#795) leave the URL pointing
// at a file they did not emit: the worker then starts from its source embedded in this entry (a
// `blob:` URL), so nothing needs copying.
import type { Endpoint } from "comlink";
import { isReadyMessage, type WorkerHandle } from "./runtime-common.js";

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

/** Starts one engine worker and waits until it serves requests. `workerUrl` overrides the worker module. */
export async function spawnWorker(workerUrl?: URL | string): Promise<WorkerHandle> {
  // Through a variable: bundlers rewrite only the literal `new URL("…", import.meta.url)` (each
  // one would emit the file again), and warn about `new URL(variable, import.meta.url)`.
  const here = import.meta.url;
  let w: Worker;
  let url: string;
  if (workerUrl !== undefined) {
    url = new URL(String(workerUrl), here).href;
    w = new Worker(url, { type: "module" });
  } else {
    url = new URL("worker.js", here).href;
    w = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  }
  try {
    await started(w);
    return handle(w);
  } catch (err) {
    w.terminate();
    const why = err instanceof Error ? err.message : String(err);
    if (workerUrl === undefined && embeddedWorker !== undefined) {
      // The bundler did not emit the worker file: start the embedded copy.
      const blobUrl = URL.createObjectURL(new Blob([embeddedWorker], { type: "text/javascript" }));
      const b = new Worker(blobUrl, { type: "module" });
      try {
        await started(b);
        return handle(b);
      } catch (err2) {
        b.terminate();
        throw new Error(
          `the engine worker could not start from "${url}" (${why}) nor from its embedded copy (${err2 instanceof Error ? err2.message : String(err2)}): ` +
            "a Content-Security-Policy may forbid blob: workers (allow worker-src blob:), or serve hz-portfolio's dist/browser/worker.js and pass its URL to init({ workerUrl })",
        );
      } finally {
        URL.revokeObjectURL(blobUrl);
      }
    }
    throw new Error(`the engine worker could not start from "${url}": ${why}. Serve hz-portfolio's dist/browser/worker.js there, or pass its URL to init({ workerUrl })`);
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

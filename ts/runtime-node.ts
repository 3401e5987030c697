// Node's (and Deno's, through its node:worker_threads) side of the worker runtime: worker_threads
// workers, unref'd while idle so they never keep the process alive. Imported statically: bundlers
// see `node:` built-ins only in the Node entry (dist/node/), never in the browser one.
import { Worker, parentPort } from "node:worker_threads";
import * as os from "node:os";
import { readFile } from "node:fs/promises";
import type { Endpoint } from "comlink";
import { fail } from "./errors.js";
import { isReadyMessage, nodeEndpoint, workerExecArgv, type MessagePortLike, type WorkerHandle } from "./runtime-common.js";

// The published Node entry embeds the whole worker (one CommonJS script, see scripts/bundle.mjs)
// and starts it from memory: a Node bundle (esbuild, webpack, ncc) or a serverless zip then needs
// no file next to it. The unbundled build (tests) starts dist/worker.js instead.
declare const __HZ_NODE_WORKER_SOURCE__: string | undefined;
const embeddedWorker = typeof __HZ_NODE_WORKER_SOURCE__ === "string" ? __HZ_NODE_WORKER_SOURCE__ : undefined;

/** Starts one engine worker and waits until it serves requests. `workerUrl` overrides the worker module. */
export async function spawnWorker(workerUrl?: URL | string): Promise<WorkerHandle> {
  // Through a variable: bundlers rewrite (and warn about) `new URL(…, import.meta.url)` patterns.
  const here = import.meta.url;
  const where = workerUrl !== undefined ? new URL(String(workerUrl), here) : embeddedWorker === undefined ? new URL("worker.js", here) : undefined;
  // Some experimental flags are per-process in some Node versions (e.g. --experimental-shadow-realm):
  // then retry with the module-loading flags only, and finally with none.
  const attempts = [workerExecArgv(process.execArgv), workerExecArgv(process.execArgv, true), []];
  let w: Worker | undefined;
  for (let k = 0; !w; k++) {
    try {
      const options = { name: "hz-portfolio-engine", execArgv: attempts[k] };
      w = where ? new Worker(where, options) : new Worker(embeddedWorker!, { ...options, eval: true });
    } catch (err) {
      if ((err as { code?: unknown }).code !== "ERR_WORKER_INVALID_EXEC_ARGV" || k === attempts.length - 1) throw err;
    }
  }
  const worker = w;
  const label = where ? `"${where.protocol === "file:" ? decodeURIComponent(where.pathname) : where.href}"` : "its embedded source";
  let reason = "worker exited";
  worker.on("error", (err) => (reason = `worker error: ${err.message}`));
  await new Promise<void>((resolve, reject) => {
    const onMessage = (data: unknown) => {
      if (!isReadyMessage(data)) return;
      cleanup();
      resolve();
    };
    const onError = (err: Error) => {
      cleanup();
      reject(
        new Error(
          `the engine worker from ${label} failed to start: ${err.message}` +
            (where ? " (pass init({ workerUrl }) the URL of hz-portfolio's worker module, or import hz-portfolio's Node entry, which embeds it)" : ""),
        ),
      );
    };
    const onExit = (code: number) => onError(new Error(`${reason} (exit code ${code})`));
    const cleanup = () => {
      worker.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
    };
    worker.on("message", onMessage);
    worker.on("error", onError);
    worker.on("exit", onExit);
  });
  return {
    endpoint: nodeEndpoint(worker as unknown as MessagePortLike),
    terminate: () => void worker.terminate(),
    onExit: (l) => worker.on("exit", (code) => l(`${reason} (exit code ${code})`)),
    ref: () => worker.ref(),
    unref: () => worker.unref(),
  };
}

/** Inside a worker: the endpoint to the parent. */
export function workerEndpoint(): Endpoint {
  if (!parentPort) fail("INVALID_STATE", "hz-portfolio's worker module must be started as a worker, not imported");
  return nodeEndpoint(parentPort as unknown as MessagePortLike);
}

/** Cores available to this process. */
export function availableCores(): number {
  return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
}

/** Reads a `file:` URL (a `.wasm` given to `init`). */
export async function readFileUrl(url: URL): Promise<Uint8Array> {
  return readFile(url);
}

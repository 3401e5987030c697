// The one place that knows which runtime we are in. Browsers and Deno have Web Workers
// (module workers); Node has worker_threads. Everything else in the library is runtime-agnostic.
import type { Endpoint } from "comlink";

/** A started worker, whatever the runtime. */
export interface WorkerHandle {
  endpoint: Endpoint;
  terminate(): void;
  /** Called once if the worker dies (error, exit, terminate). */
  onExit(listener: (reason: string) => void): void;
  /** Keep the process alive while work is pending (Node); no-op elsewhere. */
  ref(): void;
  /** Let the process exit while idle (Node); no-op elsewhere. */
  unref(): void;
}

type NodeWorker = import("node:worker_threads").Worker;
type MessagePortLike = { on(ev: "message", l: (data: unknown) => void): void; off(ev: "message", l: (data: unknown) => void): void; postMessage(m: unknown, t?: readonly unknown[]): void };

const isNodeLike = (): boolean => typeof (globalThis as { Deno?: unknown }).Deno === "undefined" && typeof globalThis.process?.versions?.node === "string";
const hasWebWorkers = (): boolean => typeof (globalThis as { Worker?: unknown }).Worker === "function";

// Hidden from bundlers: only evaluated in Node.
const nodeImport = <T>(name: string): Promise<T> => import(/* @vite-ignore */ name) as Promise<T>;

/** Adapts a Node MessagePort / Worker to comlink's endpoint. */
function nodeEndpoint(port: MessagePortLike): Endpoint {
  const listeners = new Map<unknown, (data: unknown) => void>();
  return {
    postMessage: (m: unknown, t?: Transferable[]) => port.postMessage(m, t as unknown as readonly unknown[]),
    addEventListener: (_type: string, h: EventListenerOrEventListenerObject) => {
      const l = (data: unknown) => (typeof h === "function" ? h({ data } as MessageEvent) : h.handleEvent({ data } as MessageEvent));
      listeners.set(h, l);
      port.on("message", l);
    },
    removeEventListener: (_type: string, h: EventListenerOrEventListenerObject) => {
      const l = listeners.get(h);
      if (l) port.off("message", l);
      listeners.delete(h);
    },
  } as Endpoint;
}

// Node flags that change how modules are found and loaded (a loader or a preload may be what
// makes the worker module importable: tsx, custom conditions, experimental module features),
// and harmless diagnostics flags. Each is accepted in a worker's execArgv. Not the permission
// model: it is process-wide, and `--experimental-permission` repeated without its `--allow-*`
// grants would deny the worker everything.
const WORKER_FLAGS = /^--(import|require|loader|experimental-loader|conditions|experimental-(?!permission)[\w-]+|no-experimental-[\w-]+|enable-source-maps|no-warnings|no-deprecation|preserve-symlinks|preserve-symlinks-main)(=|$)|^-[rC]$/;
const FLAGS_WITH_VALUE = /^(--(import|require|loader|experimental-loader|conditions)|-[rC])$/;
// The module-loading flags alone: the fallback when this Node rejects one of the others.
const LOADER_FLAGS = /^--(import|require|loader|experimental-loader|conditions)(=|$)|^-[rC]$/;

/**
 * The parent's execArgv reduced to what a worker needs and accepts. Node rejects a worker whose
 * execArgv holds per-process options (`--max-old-space-size`, `--expose-gc`, `--stack-size`,
 * `--title`, `--disable-proto`, `--jitless`, …: ERR_WORKER_INVALID_EXEC_ARGV), and `--eval` /
 * `--input-type` make no sense for a worker file. The dropped options lose nothing: V8 flags
 * (heap size, stack size, jitless, expose-gc) are process-wide and already apply to the
 * worker's isolate; the others concern the process, not a thread. @internal
 */
export function workerExecArgv(parent: readonly string[], loadersOnly = false): string[] {
  const keep = loadersOnly ? LOADER_FLAGS : WORKER_FLAGS;
  const out: string[] = [];
  for (let i = 0; i < parent.length; i++) {
    const a = parent[i]!;
    if (keep.test(a)) {
      out.push(a);
      if (FLAGS_WITH_VALUE.test(a) && i + 1 < parent.length) out.push(parent[++i]!);
    } else if (/^-[^=]*$/.test(a) && i + 1 < parent.length && !parent[i + 1]!.startsWith("-")) {
      // A dropped flag given its value as the next argument (`--title x`, `--eval code`).
      i++;
    }
  }
  return out;
}

/** Starts one engine worker. */
export async function spawnWorker(): Promise<WorkerHandle> {
  if (hasWebWorkers() && !isNodeLike()) {
    // This exact pattern lets bundlers (Vite, webpack, esbuild) find and bundle the worker.
    const w = new Worker(new URL("./worker.js", import.meta.url), { type: "module", name: "hz-portfolio-engine" });
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
      exit(`worker error: ${(ev as ErrorEvent).message ?? "unknown"}`);
    });
    w.addEventListener("messageerror", () => exit("worker message error"));
    return {
      endpoint: w as unknown as Endpoint,
      terminate: () => {
        w.terminate();
        exit("worker terminated");
      },
      onExit: (l) => exitListeners.push(l),
      ref: () => {},
      unref: () => {},
    };
  }
  const { Worker: NodeWorkerCtor } = await nodeImport<typeof import("node:worker_threads")>("node:worker_threads");
  // Built from a variable so bundlers do not also embed an unbundled copy of the worker.
  const workerFile = "./worker.js";
  const url = new URL(workerFile, import.meta.url);
  // Some experimental flags are per-process in some Node versions (e.g. --experimental-shadow-realm):
  // then retry with the module-loading flags only, and finally with none.
  const attempts = [workerExecArgv(process.execArgv), workerExecArgv(process.execArgv, true), []];
  let w: NodeWorker | undefined;
  for (let k = 0; !w; k++) {
    try {
      w = new NodeWorkerCtor(url, { name: "hz-portfolio-engine", execArgv: attempts[k] });
    } catch (err) {
      if ((err as { code?: unknown }).code !== "ERR_WORKER_INVALID_EXEC_ARGV" || k === attempts.length - 1) throw err;
    }
  }
  let reason = "worker exited";
  w.on("error", (err) => (reason = `worker error: ${err.message}`));
  return {
    endpoint: nodeEndpoint(w as unknown as MessagePortLike),
    terminate: () => void w.terminate(),
    onExit: (l) => w.on("exit", (code) => l(`${reason} (exit code ${code})`)),
    ref: () => w.ref(),
    unref: () => w.unref(),
  };
}

/** Inside a worker: the endpoint to the parent. */
export async function workerEndpoint(): Promise<Endpoint> {
  if (isNodeLike()) {
    const { parentPort } = await nodeImport<typeof import("node:worker_threads")>("node:worker_threads");
    if (parentPort) return nodeEndpoint(parentPort as unknown as MessagePortLike);
  }
  return globalThis as unknown as Endpoint;
}

/** Cores available to this process: `os.availableParallelism()` in Node, `navigator.hardwareConcurrency` elsewhere. */
export async function availableCores(): Promise<number> {
  if (isNodeLike()) {
    const os = await nodeImport<typeof import("node:os")>("node:os");
    return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  }
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return Math.max(1, typeof n === "number" && Number.isFinite(n) ? n : 1);
}

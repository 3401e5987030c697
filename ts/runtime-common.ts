// What the runtime-specific modules share: the worker handle type, the adapter from a Node
// MessagePort to comlink's endpoint, the worker execArgv filter and the ready handshake.
import type { Endpoint } from "comlink";

/** A started worker, whatever the runtime. */
export interface WorkerHandle {
  endpoint: Endpoint;
  terminate(): void;
  /** Called once if the worker dies (error, exit, terminate). */
  onExit(listener: (reason: string) => void): void;
  /** Keep the process alive while work is pending; no-op where the host has no such notion. */
  ref(): void;
  /** Let the process exit while idle; no-op where the host has no such notion. */
  unref(): void;
}

/**
 * The message a worker posts once its module evaluated and it serves requests. comlink ignores
 * messages without an id, so it shares the channel. Waiting for it turns a worker that cannot
 * load (a 404, a bundler that did not emit it) into a diagnosable error at start.
 */
export const READY_MESSAGE = "hz-portfolio-worker-ready";

/** True for the ready message. */
export const isReadyMessage = (data: unknown): boolean => (data as { hz?: unknown } | null)?.hz === READY_MESSAGE;

/** The part of a Node MessagePort / Worker the endpoint adapter uses. */
export type MessagePortLike = { on(ev: "message", l: (data: unknown) => void): void; off(ev: "message", l: (data: unknown) => void): void; postMessage(m: unknown, t?: readonly unknown[]): void };

/** Adapts a Node MessagePort / Worker to comlink's endpoint. */
export function nodeEndpoint(port: MessagePortLike): Endpoint {
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

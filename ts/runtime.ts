// The unbundled build's (dist/*.js: tests, the dashboard in this repository) choice of runtime.
// The published entries do not use this module: scripts/bundle.mjs builds dist/node/ with
// runtime-node.ts and dist/browser/ with runtime-web.ts in its place, chosen by the package's
// "exports" conditions — no sniffing, no dynamic import there.
import type { Endpoint } from "comlink";
import type { WorkerHandle } from "./runtime-common.js";

export type { WorkerHandle } from "./runtime-common.js";
export { workerExecArgv } from "./runtime-common.js";

type RuntimeModule = typeof import("./runtime-node.js");

const isNodeLike = (): boolean => typeof (globalThis as { Deno?: unknown }).Deno === "undefined" && typeof globalThis.process?.versions?.node === "string";

let selected: Promise<RuntimeModule> | undefined;
const runtime = (): Promise<RuntimeModule> => (selected ??= isNodeLike() ? import("./runtime-node.js") : (import("./runtime-web.js") as Promise<RuntimeModule>));

/** Starts one engine worker. */
export async function spawnWorker(workerUrl?: URL | string): Promise<WorkerHandle> {
  return (await runtime()).spawnWorker(workerUrl);
}

/** Inside a worker: the endpoint to the parent. */
export async function workerEndpoint(): Promise<Endpoint> {
  return (await runtime()).workerEndpoint();
}

/** Cores available to this process. */
export async function availableCores(): Promise<number> {
  return (await runtime()).availableCores();
}

/** Reads a `file:` URL (Node) or fetches a URL. */
export async function readFileUrl(url: URL): Promise<Uint8Array> {
  return (await runtime()).readFileUrl(url);
}

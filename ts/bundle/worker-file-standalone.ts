// The standalone browser entry has no worker file: its workers start from the source embedded in
// the entry (a blob: URL, runtime-web.ts), or from init({ workerUrl }).

/** No worker file in this build. */
export function startWorkerFile(): { worker: Worker; url: string } | undefined {
  return undefined;
}

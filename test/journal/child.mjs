// Crash-test child: runs the session on a journaled engine, printing "ACK n" after every
// acknowledged operation. The parent kills it with SIGKILL at a random moment.
import { Engine, openJournal } from "../../dist/index.js";
import { engineOptions, session } from "./workload.mjs";

const journal = await openJournal(process.argv[2], { flushIntervalMs: 20 });
const engine = await Engine.open(journal, engineOptions());
process.stdout.write("READY\n");
await session(engine, undefined, (n) => process.stdout.write(`ACK ${n}\n`));
await engine.close();
process.stdout.write("DONE\n");

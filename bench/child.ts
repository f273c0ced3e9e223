/**
 * A measuring process: runs one workload once with one client and prints the measurement. Run by
 * `run.ts` as `node --expose-gc --import tsx bench/child.ts '<job JSON>'`, a fresh process per
 * run, so CPU and memory figures are this client's alone. It must exit by itself: a handle left
 * open by a client shows as a child that does not exit.
 */
import { loadClient } from "./clients.js";
import { RESULT_PREFIX, type Job, type Measurement } from "./job.js";
import { profiled } from "./profile.js";
import { threadCpu, threadCpuSince } from "./threads.js";
import { workloadById } from "./workloads.js";

const job = JSON.parse(process.argv[2] ?? "") as Job;
const client = await loadClient(job);
const measure = (): Promise<Measurement> => workloadById(job.workload).measure(client);
const threads = threadCpu();
const measured = await (job.profilePath === undefined
  ? measure()
  : profiled(job.profilePath, measure));
// Where the CPU went besides the main thread's JavaScript (see threads.ts).
const threadsMs = threadCpuSince(threads);
const measurement =
  threadsMs === undefined ? measured : { ...measured, details: { ...measured.details, threadsMs } };
process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(measurement)}\n`);

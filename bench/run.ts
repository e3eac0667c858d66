/**
 * `npm run bench`: every benchmark of bench/, one after another in its own process (a benchmark's servers,
 * pools and heap never colour the next one's figures), each killed if it outlives its time limit. Each prints
 * its table and writes it to bench/results/; this prints which ran, how long, and which failed.
 *
 *   npm run bench                        all of them
 *   npm run bench -- --only ingest api   some of them
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { round } from '#dev/benchmarking/report';

/** Between SIGTERM and SIGKILL: enough for a benchmark to stop its FerretDB and drop its database. */
const STOP_GRACE_MS = 20_000;
const BENCHMARKS = ['ingest', 'ingest-scaling', 'api', 'bridge', 'end-to-end', 'cold-start'] as const;

const options = new Command('npm run bench')
  .description('Run the benchmarks of bench/ and write their tables to bench/results/')
  .addOption(new Option('--only <benchmarks...>', 'run only these').choices(BENCHMARKS))
  .addOption(
    new Option('--timeout-minutes <minutes>', 'kill a benchmark that runs longer')
      .default(15)
      .argParser((value) => {
        const minutes = Number(value);
        if (!(minutes > 0)) throw new Error(`--timeout-minutes must be a positive number, got ${value}`);
        return minutes;
      }),
  )
  .parse()
  .opts<{ only?: (typeof BENCHMARKS)[number][]; timeoutMinutes: number }>();

const repository = fileURLToPath(new URL('..', import.meta.url));
const summary: { benchmark: string; status: string; seconds: number; results: string }[] = [];
/** Set by Ctrl-C or SIGTERM: the running benchmark is stopped, and no other one starts. */
let interrupted = false;
/** Stops the benchmark running now, if any. */
let stopRunning: () => void = () => undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    interrupted = true;
    stopRunning();
  });
}
for (const benchmark of options.only ?? BENCHMARKS) {
  if (interrupted) break;
  const started = performance.now();
  const status = await runBenchmark(benchmark, options.timeoutMinutes * 60_000);
  summary.push({
    benchmark,
    status,
    seconds: round((performance.now() - started) / 1_000),
    results: status === 'ok' ? `bench/results/${benchmark}.json` : '',
  });
}
console.log('\nBenchmarks');
console.table(summary);
process.exitCode = !interrupted && summary.every((row) => row.status === 'ok') ? 0 : 1;

/**
 * The benchmark in a process group of its own: on its time limit (or Ctrl-C) it gets SIGTERM, on which it
 * stops the servers it started; whatever of the group is still alive after a grace period (a benchmark stuck
 * in a synchronous loop, the servers it spawned) gets SIGKILL, so no FerretDB or stack outlives the run.
 */
function runBenchmark(benchmark: string, timeoutMs: number): Promise<string> {
  console.log(`\n=== ${benchmark} ===`);
  const child = spawn(process.execPath, ['--import', 'tsx', `bench/${benchmark}.ts`], {
    cwd: repository,
    stdio: 'inherit',
    detached: true,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const group = child.pid;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (group !== undefined) process.kill(-group, signal);
    } catch {
      // The whole group has exited already.
    }
  };
  let killTimer: NodeJS.Timeout | undefined;
  let timedOut = false;
  stopRunning = () => {
    child.kill('SIGTERM');
    killTimer ??= setTimeout(() => signalGroup('SIGKILL'), STOP_GRACE_MS);
  };
  const limitTimer = setTimeout(() => {
    timedOut = true;
    stopRunning();
  }, timeoutMs);
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      clearTimeout(limitTimer);
      clearTimeout(killTimer);
      stopRunning = () => undefined;
      // Whatever it started went down with it, unless it died before stopping it.
      signalGroup('SIGKILL');
      resolve(
        timedOut
          ? `stopped after ${timeoutMs / 60_000} min`
          : interrupted
            ? 'interrupted'
            : code === 0
              ? 'ok'
              : `failed (${signal ?? code})`,
      );
    });
  });
}

/**
 * End to end, as a user runs it: `npm start`'s own script in a child process (embedded FerretDB, SQS emulator,
 * the bridge as its own process, ingest workers, the API) on queue names and ports nothing else uses, fed by
 * the simulator through the machine's RabbitMQ. 127.0.0.1 only; every phase has a deadline.
 *
 * 1. Sustained throughput: a simulated cloud published as fast as RabbitMQ confirms, timed from the first
 *    publish until the API's usage equals the simulator's expectation. Baseline: the confirmed publish rate
 *    of the same stream, i.e. what the stack was offered.
 * 2. Lag: instance creations published one at a time at a steady rate below that throughput; for each, the
 *    time from publish until the API lists it.
 * 3. Memory: peak RSS (VmHWM) of the bridge process and of the process running the ingest workers, against
 *    their RSS when idle before the load.
 *
 *   npx tsx bench/end-to-end.ts     (E2E_PROJECTS=12, E2E_CREATIONS=300, E2E_LAG_RATE=5 by default)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { envInteger } from '#dev/benchmarking/harness';
import { percentile, publish, ratio, round } from '#dev/benchmarking/report';
import { simulateCloud } from '#dev/simulator/cloud';
import { instanceCreated } from '#dev/simulator/nova';
import { openRabbitSink } from '#dev/simulator/sinks';
import { expectedUsage } from '#dev/simulator/truth';
import { verifyUsage } from '#dev/simulator/verify';
import { isolatedStackEnvironment } from '#test/helpers/local-stack-environment';
import { RABBITMQ_URL, TestRabbit, uniqueTopology } from '#test/helpers/rabbitmq';

const PROJECTS = envInteger('E2E_PROJECTS', 12);
const CREATIONS = envInteger('E2E_CREATIONS', 300);
const LAG_RATE = envInteger('E2E_LAG_RATE', 5);
const LAG_PROJECTS = 4;
const PHASE_TIMEOUT_MS = 240_000;
const TOKEN = 'secret';
const repository = new URL('..', import.meta.url).pathname;

const topology = uniqueTopology('bench-e2e');
const dataDir = await mkdtemp(join(tmpdir(), 'almanach-bench-e2e-'));
const stack = await startStack();
try {
  const idle = { bridge: await memoryOf(stack.bridgePid), ingest: await memoryOf(stack.pid) };
  const throughput = await sustainedThroughput();
  const lags = await publishToVisibleLags();
  const loaded = { bridge: await memoryOf(stack.bridgePid), ingest: await memoryOf(stack.pid) };

  await publish({
    benchmark: 'end-to-end',
    title: 'End to end: simulator -> RabbitMQ -> bridge -> SQS -> ingest -> MongoDB -> API (npm start)',
    parameters: {
      projects: PROJECTS,
      notifications: throughput.notifications,
      lagCreations: CREATIONS,
      lagRatePerSecond: LAG_RATE,
      ingestWorkers: 2,
    },
    rows: [
      {
        measure: 'sustained notifications/s (published until usage verified)',
        ours: round(throughput.sustainedPerSecond),
        baseline: round(throughput.offeredPerSecond),
        'baseline is': 'confirmed publish rate into RabbitMQ',
        ratio: ratio(throughput.sustainedPerSecond, throughput.offeredPerSecond),
      },
      {
        measure: 'publish -> visible in API, p50 ms',
        ours: round(percentile(lags, 50)),
        baseline: null,
        'baseline is': `${lags.length} creations at ${LAG_RATE}/s`,
        ratio: null,
      },
      {
        measure: 'publish -> visible in API, p99 ms',
        ours: round(percentile(lags, 99)),
        baseline: null,
        'baseline is': 'max below',
        ratio: null,
      },
      {
        measure: 'publish -> visible in API, max ms',
        ours: round(Math.max(...lags)),
        baseline: null,
        'baseline is': '',
        ratio: null,
      },
      memoryRow('bridge process, peak RSS MiB', loaded.bridge.peak, idle.bridge.current),
      memoryRow(
        'ingest workers + API + SQS emulator process, peak RSS MiB',
        loaded.ingest.peak,
        idle.ingest.current,
      ),
    ],
  });
} finally {
  await stack.stop();
  const rabbit = await TestRabbit.open();
  await rabbit.deleteTopology(topology).catch(() => undefined);
  await rabbit.close();
  await rm(dataDir, { recursive: true, force: true });
}

function memoryRow(measure: string, peakMiB: number, idleMiB: number) {
  return {
    measure,
    ours: round(peakMiB, 1),
    baseline: round(idleMiB, 1),
    'baseline is': 'RSS idle before the load',
    ratio: ratio(peakMiB, idleMiB),
  };
}

async function sustainedThroughput() {
  const cloud = simulateCloud({
    seed: 7,
    projects: PROJECTS,
    instancesPerProject: 5,
    volumesPerProject: 4,
    start: new Date('2026-09-01T00:00:00Z'),
    days: 30,
  });
  const sink = await openSink();
  const started = performance.now();
  for (let sent = 0; sent < cloud.notifications.length; sent += 100) {
    await sink.send(cloud.notifications.slice(sent, sent + 100));
  }
  const published = performance.now();
  if (sink.unroutable > 0) throw new Error(`${sink.unroutable} notifications reached no queue`);
  await sink.close();
  const verification = await verifyUsage(
    { url: stack.apiUrl, token: TOKEN },
    expectedUsage(cloud.projectIds, cloud.entities, cloud.period),
    cloud.period,
    { timeoutMs: PHASE_TIMEOUT_MS, intervalMs: 250 },
  );
  if (verification.mismatched.length > 0) {
    throw new Error(
      `usage differs after ${PHASE_TIMEOUT_MS} ms: ${JSON.stringify(verification.mismatched[0])}`,
    );
  }
  const seconds = (performance.now() - started) / 1_000;
  const notifications = cloud.notifications.length;
  return {
    notifications,
    sustainedPerSecond: notifications / seconds,
    offeredPerSecond: notifications / ((published - started) / 1_000),
  };
}

/** Creations published one by one at LAG_RATE; the API is polled for each project until it lists them all. */
async function publishToVisibleLags(): Promise<number[]> {
  const projects = Array.from({ length: LAG_PROJECTS }, () => randomUUID().replaceAll('-', ''));
  const publishedAt = new Map<string, number>();
  const lags: number[] = [];
  const seen = new Set<string>();
  const sink = await openSink();
  const since = new Date(Date.now() - 3_600_000);
  let publishing = true;
  const watcher = (async () => {
    const deadline = Date.now() + PHASE_TIMEOUT_MS;
    while ((publishing || lags.length < publishedAt.size) && Date.now() < deadline) {
      for (const project of projects) {
        const listed = await listInstances(project, since);
        const seenAt = performance.now();
        for (const id of listed) {
          const sentAt = publishedAt.get(id);
          if (sentAt !== undefined && !seen.has(id)) {
            seen.add(id);
            lags.push(seenAt - sentAt);
          }
        }
      }
      await sleep(20);
    }
  })();
  const started = performance.now();
  for (let n = 0; n < CREATIONS; n++) {
    const due = started + (n / LAG_RATE) * 1_000;
    const ahead = due - performance.now();
    if (ahead > 0) await sleep(ahead);
    const instanceId = randomUUID();
    const message = instanceCreated({
      instanceId,
      tenantId: projects[n % projects.length],
      createdAt: new Date(),
      launchedAt: new Date(),
    });
    publishedAt.set(instanceId, performance.now());
    await sink.send([{ service: 'nova', message, emittedAt: Date.now() }]);
  }
  publishing = false;
  await watcher;
  await sink.close();
  if (lags.length < CREATIONS)
    throw new Error(`only ${lags.length} of ${CREATIONS} creations became visible`);
  return lags;
}

async function listInstances(project: string, since: Date): Promise<string[]> {
  const url = new URL(`/v1/project/${project}/instances`, stack.apiUrl);
  url.searchParams.set('start', since.toISOString().replace('T', ' ').replace('Z', ''));
  const response = await fetch(url, { headers: { 'X-Auth-Token': TOKEN } });
  if (!response.ok) throw new Error(`GET ${url.pathname} answered ${response.status}`);
  const instances = (await response.json()) as { entity_id: string }[];
  return instances.map((instance) => instance.entity_id);
}

function openSink() {
  const [nova = '', cinder = ''] = topology.exchanges;
  const { routingKey, durable, quorum } = topology;
  return openRabbitSink({ url: RABBITMQ_URL, exchanges: { nova, cinder }, routingKey, durable, quorum });
}

interface RunningStack {
  pid: number;
  bridgePid: number;
  apiUrl: string;
  stop(): Promise<void>;
}

/** dev/start.ts as `npm start` runs it (without npm's wrapper processes, so the pids are the workers'). */
async function startStack(): Promise<RunningStack> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'dev/start.ts'], {
    cwd: repository,
    env: {
      ...isolatedStackEnvironment({
        topology,
        dataDir,
        queueName: `bench-e2e-${process.pid}`,
        embeddedMongo: false,
      }),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // Orphan and ignored notifications of the simulated stream are expected; only errors matter here.
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + PHASE_TIMEOUT_MS;
  while (!output.includes('Almanach is running')) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`npm start did not come up:\n${output}`);
    await sleep(100);
  }
  if (output.includes('!!')) throw new Error(`npm start reports a problem:\n${output}`);
  const apiUrl = /API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
  const pid = child.pid;
  if (!apiUrl || pid === undefined) throw new Error(`no API URL in the status block:\n${output}`);
  return {
    pid,
    bridgePid: await childPid(pid, 'functions/bridge'),
    apiUrl,
    stop: async () => {
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(30_000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** The pid of `parent`'s child whose command line mentions `script`. */
async function childPid(parent: number, script: string): Promise<number> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const parentOf = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (parentOf !== parent) continue;
    const commandLine = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (commandLine.includes(script)) return Number(entry);
  }
  throw new Error(`no child of ${parent} runs ${script}`);
}

/** Current and peak resident set size in MiB, from the kernel's own accounting. */
async function memoryOf(pid: number): Promise<{ current: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { current: kib('VmRSS') / 1_024, peak: kib('VmHWM') / 1_024 };
}

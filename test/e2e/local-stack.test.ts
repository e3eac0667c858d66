import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { volumeCreated } from '#dev/simulator/cinder';
import { simulateCloud } from '#dev/simulator/cloud';
import { instanceCreated } from '#dev/simulator/nova';
import { isolatedStackEnvironment } from '#test/helpers/local-stack-environment';
import { publishWithOslo } from '#test/helpers/oslo-notifier';
import { TestRabbit, uniqueTopology } from '#test/helpers/rabbitmq';
import { waitUntil } from '#test/helpers/wait';

const repository = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
const TOKEN = 'secret';

/** What `npm run simulate` is asked to publish; the test derives the same cloud from the same options. */
const SIMULATION = {
  seed: 42,
  projects: 2,
  instances: 4,
  volumes: 3,
  start: '2026-09-01T00:00:00Z',
  days: 14,
};

const topology = uniqueTopology('e2e');
const [novaExchange = '', cinderExchange = ''] = topology.exchanges;
/** Published by oslo.messaging's Notifier before `npm start`: oslo declares the queue, the bridge second. */
const earlyInstance = instanceCreated({ instanceId: randomUUID() });
let dataDir: string;
let stack: ChildProcess;
let output = '';
let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
let apiUrl: string;

/** `npm start` as a newcomer runs it, on names and ports no other run on this machine uses. */
beforeAll(async () => {
  await publishWithOslo({ exchange: novaExchange, topology, notifications: [earlyInstance] });
  dataDir = await mkdtemp(join(tmpdir(), 'almanach-e2e-'));
  stack = spawn('npm', ['start'], {
    cwd: repository,
    detached: true,
    env: isolatedStackEnvironment({
      topology,
      dataDir,
      queueName: `e2e-${process.pid}`,
      embeddedMongo: true,
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  stack.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  stack.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  exited = new Promise((resolve) => stack.once('exit', (code, signal) => resolve({ code, signal })));
  await waitUntil(
    'npm start prints its status',
    () => {
      if (stack.exitCode !== null) throw new Error(`npm start exited ${stack.exitCode}:\n${output}`);
      return output.includes('Almanach is running');
    },
    240_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n--- npm start printed ---\n${output.slice(-4_000)}`);
  });
  const api = /API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output);
  if (!api?.[1]) throw new Error(`no API URL in the status block:\n${output}`);
  apiUrl = api[1];
});

afterAll(async () => {
  if (stack?.pid && stack.exitCode === null && stack.signalCode === null) {
    process.kill(-stack.pid, 'SIGKILL');
    await exited;
  }
  const rabbit = await TestRabbit.open();
  await rabbit.deleteTopology(topology);
  await rabbit.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function api(path: string): Promise<Response> {
  return fetch(new URL(path, apiUrl), { headers: { 'X-Auth-Token': TOKEN } });
}

describe('the whole system on one machine (npm start)', { timeout: 600_000 }, () => {
  it('serves the OpenAPI document and info without a token', async () => {
    const info = await fetch(new URL('/v1/info', apiUrl));
    const openapi = await fetch(new URL('/v1/openapi.json', apiUrl));

    expect(info.status).toBe(200);
    expect(openapi.status).toBe(200);
    expect(((await openapi.json()) as { openapi: string }).openapi).toMatch(/^3\./);
  });

  it('records the instance Nova published through oslo.messaging before the stack started', async () => {
    await expectRecorded(String(earlyInstance.payload.instance_id));
  });

  it('records the volume Cinder publishes through oslo.messaging once the bridge declared the queue', async () => {
    const volume = volumeCreated({ volumeId: randomUUID() });
    await publishWithOslo({ exchange: cinderExchange, topology, notifications: [volume] });
    await expectRecorded(String(volume.payload.volume_id));
  });

  it('turns a simulated stream published into RabbitMQ into the usage the simulator expects', async () => {
    const simulated = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'dev/simulate.ts',
        ...Object.entries(SIMULATION).flatMap(([option, value]) => [`--${option}`, String(value)]),
        '--nova-exchange',
        novaExchange,
        '--cinder-exchange',
        cinderExchange,
        '--routing-key',
        topology.routingKey,
        '--rate',
        '0',
        '--verify',
        '--api-url',
        apiUrl,
        '--token',
        TOKEN,
        '--verify-timeout',
        '300',
      ],
      { cwd: repository, timeout: 400_000 },
    ).catch((error: Error & { stdout?: string }) => {
      throw new Error(`${error.stdout ?? error.message}\n--- npm start printed ---\n${output.slice(-4_000)}`);
    });

    expect(simulated.stdout).toContain(
      `verified ${SIMULATION.projects}/${SIMULATION.projects} projects, 0 mismatched`,
    );
  });

  it('lists, per project, exactly the entities that ran in the simulated period', async () => {
    const cloud = simulateCloud({
      seed: SIMULATION.seed,
      projects: SIMULATION.projects,
      instancesPerProject: SIMULATION.instances,
      volumesPerProject: SIMULATION.volumes,
      start: new Date(SIMULATION.start),
      days: SIMULATION.days,
    });
    const period = `start=${encodeURIComponent('2026-09-01 00:00:00.000')}&end=${encodeURIComponent('2026-09-15 00:00:00.000')}`;

    for (const projectId of cloud.projectIds) {
      const response = await api(`/v1/project/${projectId}/entities?${period}`);
      const versions = (await response.json()) as { entity_id: string }[];
      const expected = cloud.entities
        .filter((entity) => entity.projectId === projectId)
        .map((entity) => entity.id);

      expect(response.status).toBe(200);
      expect(new Set(versions.map((version) => version.entity_id))).toEqual(new Set(expected));
    }
  });

  it('stops every part on Ctrl-C (SIGINT to the whole process group, as a terminal sends it)', async () => {
    if (!stack.pid) throw new Error('npm start has no pid');
    const mongo = /MongoDB\s+mongodb:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1];
    process.kill(-stack.pid, 'SIGINT');
    await exited;

    expect(output).toContain('stopped');
    await expect(fetch(new URL('/v1/info', apiUrl))).rejects.toThrow();
    expect(await accepts(Number(mongo))).toBe(false);
  });
});

/** GET /v1/entity/{id} lists the entity: its notification went RabbitMQ → bridge → SQS → ingest. */
async function expectRecorded(entityId: string): Promise<void> {
  const versions = async () => {
    const response = await api(`/v1/entity/${entityId}`);
    return response.ok ? ((await response.json()) as { entity_id: string }[]) : [];
  };
  await waitUntil(`${entityId} is recorded`, async () => (await versions()).length > 0, 60_000);
  expect((await versions()).map((version) => version.entity_id)).toEqual([entityId]);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

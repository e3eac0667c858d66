import { writeFile } from 'node:fs/promises';
import { SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { simulateCloud } from '#dev/simulator/cloud';
import { type SimulatorOptions, simulatorOptionsSchema } from '#dev/simulator/options';
import { publishStream } from '#dev/simulator/publish';
import { type NotificationSink, openRabbitSink, openSqsSink } from '#dev/simulator/sinks';
import { expectedUsage } from '#dev/simulator/truth';
import { verifyUsage } from '#dev/simulator/verify';
import { errorMessage } from '#observability/thrown';
import { createSqsClient } from '#queue/sqs-client';

/**
 * `npm run simulate`: a month of a small OpenStack cloud, published as Nova and Cinder publish it, then
 * (with --verify) the API's usage checked against what the simulation knows really ran.
 */
const env = process.env;
const program = new Command('simulate')
  .description('Publish realistic Nova/Cinder notifications and optionally verify the usage the API reports')
  .option('--seed <n>', 'same seed, same stream (ids included)', '1')
  .option('--projects <n>', 'projects (tenants)', '5')
  .option('--instances <n>', 'instances per project', '10')
  .option('--volumes <n>', 'volumes per project', '8')
  .option('--start <date>', 'first instant of the simulated period (UTC)', '2026-10-01T00:00:00Z')
  .option('--days <n>', 'length of the simulated period', '30')
  .option('--rate <n>', 'notifications per second (0: as fast as accepted)', '200')
  .option(
    '--target <target>',
    'rabbitmq (through the bridge) or sqs (straight to the ingest queue)',
    'rabbitmq',
  )
  .option(
    '--rabbitmq-url <url>',
    'RabbitMQ to publish to',
    env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  )
  .option('--nova-exchange <name>', "Nova's notification exchange", 'nova')
  .option('--cinder-exchange <name>', "Cinder's notification exchange", 'cinder')
  .option('--routing-key <key>', 'notification topic + priority', env.BRIDGE_ROUTING_KEY ?? 'almanach.info')
  .option(
    '--amqp-durable-queues <bool>',
    "durable exchanges and queue, as oslo.messaging's amqp_durable_queues (the bridge's value)",
    env.BRIDGE_AMQP_DURABLE_QUEUES ?? 'false',
  )
  .option(
    '--rabbit-quorum-queue <bool>',
    "quorum queue, as oslo.messaging's rabbit_quorum_queue (the bridge's value)",
    env.BRIDGE_RABBIT_QUORUM_QUEUE ?? 'false',
  )
  .option('--queue <name-or-url>', 'ingest queue (target sqs)', env.INGEST_QUEUE_URL ?? 'almanach-ingest')
  .option('--sqs-endpoint <url>', 'SQS endpoint (target sqs)', env.SQS_ENDPOINT ?? 'http://127.0.0.1:9324')
  .option(
    '--aws',
    'use real AWS SQS with the credentials of the environment instead of --sqs-endpoint',
    false,
  )
  .option('--expect <file>', 'write the expected usage per project as JSON')
  .option('--verify', "compare the API's usage with the expected usage once sent", false)
  .option('--api-url <url>', 'API to verify against', `http://127.0.0.1:${env.PORT ?? '8000'}`)
  .option('--token <token>', 'API token (X-Auth-Token)', env.ALMANACH_AUTH_TOKEN ?? 'secret')
  .option('--verify-timeout <seconds>', 'how long to wait for the usage to match', '180')
  .parse();

const parsed = simulatorOptionsSchema.safeParse(program.opts());
if (!parsed.success) {
  for (const issue of parsed.error.issues)
    process.stderr.write(`--${String(issue.path[0] ?? '')}: ${issue.message}\n`);
  process.exit(2);
}
process.exitCode = await simulate(parsed.data).catch((error: unknown) => {
  process.stderr.write(`simulate: ${errorMessage(error)}\n`);
  return 1;
});

async function simulate(options: SimulatorOptions): Promise<number> {
  const cloud = simulateCloud({
    seed: options.seed,
    projects: options.projects,
    instancesPerProject: options.instances,
    volumesPerProject: options.volumes,
    start: options.start,
    days: options.days,
  });
  const expected = expectedUsage(cloud.projectIds, cloud.entities, cloud.period);
  if (options.expect)
    await writeFile(
      options.expect,
      `${JSON.stringify({ period: cloud.period, projects: expected }, null, 2)}\n`,
    );

  const sink = await openSink(options);
  const bar = new SingleBar({
    format: 'sending  [{bar}] {value}/{total} notifications  {rate}/s  eta {eta}s',
    stream: process.stderr,
    hideCursor: true,
  });
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  process.stderr.write(
    `simulating ${options.projects} projects over ${options.days} days from ${options.start.toISOString()} (seed ${options.seed}): ${cloud.notifications.length} notifications to ${sink.description}\n`,
  );
  bar.start(cloud.notifications.length, 0, { rate: 0 });
  const started = Date.now();
  const result = await publishStream(sink, cloud.notifications, {
    rate: options.rate,
    signal: abort.signal,
    onProgress: (sent) =>
      bar.update(sent, { rate: Math.round(sent / Math.max(0.001, (Date.now() - started) / 1000)) }),
  }).finally(async () => {
    bar.stop();
    await sink.close();
  });
  const rate = result.sent / Math.max(0.001, result.elapsedMs / 1000);
  process.stdout.write(
    `sent ${result.sent} of ${cloud.notifications.length} notifications in ${(result.elapsedMs / 1000).toFixed(1)} s (${rate.toFixed(0)}/s)\n`,
  );
  if (sink.unroutable > 0) {
    process.stdout.write(
      `!! ${sink.unroutable} notifications reached no queue: is the bridge running (it declares and binds its queue)?\n`,
    );
  }
  if (result.sent < cloud.notifications.length) return 130;
  if (!options.verify) return 0;

  process.stderr.write(
    `verifying usage of ${expected.length} projects at ${options.apiUrl} (up to ${options.verifyTimeout} s)\n`,
  );
  const verification = await verifyUsage(
    { url: options.apiUrl, token: options.token },
    expected,
    cloud.period,
    {
      timeoutMs: options.verifyTimeout * 1000,
    },
  );
  for (const { projectId, differences } of verification.mismatched) {
    process.stdout.write(
      `mismatch in project ${projectId}:\n${differences.map((line) => `  ${line}`).join('\n')}\n`,
    );
  }
  process.stdout.write(
    `verified ${verification.verified.length}/${expected.length} projects, ${verification.mismatched.length} mismatched\n`,
  );
  return verification.mismatched.length === 0 ? 0 : 1;
}

async function openSink(options: SimulatorOptions): Promise<NotificationSink> {
  const exchanges = { nova: options.novaExchange, cinder: options.cinderExchange };
  if (options.target === 'rabbitmq') {
    return openRabbitSink({
      url: options.rabbitmqUrl,
      exchanges,
      routingKey: options.routingKey,
      durable: options.amqpDurableQueues,
      quorum: options.rabbitQuorumQueue,
    });
  }
  const client = createSqsClient(options.aws ? {} : { endpoint: options.sqsEndpoint });
  return openSqsSink({ client, queue: options.queue, exchanges, routingKey: options.routingKey });
}

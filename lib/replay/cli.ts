import { SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { z } from 'zod';
import { mappingOptionsFrom } from '#config/ingest-settings';
import { loadConfig, rulesConfigSchema } from '#config/schema';
import { errorMessage } from '#observability/thrown';
import { resolveQueueUrl } from '#queue/queue-url';
import { createSqsClient } from '#queue/sqs-client';
import { type DeadLetter, DeadLetterQueue } from './dead-letter-queue.ts';
import { fileDestination, queueDestination, type ReplayDestination } from './destinations.ts';
import { filterSchema } from './filter.ts';
import { type ReplayCounts, replayDeadLetters } from './replay.ts';

const optionsSchema = filterSchema.extend({
  queue: z.string().min(1),
  to: z.string().min(1).optional(),
  toFile: z.string().min(1).optional(),
  list: z.boolean().default(false),
  dryRun: z.boolean().default(false),
  max: z.coerce.number().int().positive().default(100_000),
  hold: z.coerce.number().int().min(10).max(43_200).default(300),
  json: z.boolean().default(false),
  sqsEndpoint: z.string().url().optional(),
  local: z.boolean().default(false),
});

type ReplayCliOptions = z.output<typeof optionsSchema>;

export interface Output {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/**
 * `npm run replay -- ...` / `almanach-replay`: list, inspect and replay the ingest dead-letter queue. Returns
 * the exit code: 0 when every selected message was handled, 1 when some stayed behind or SQS failed (the
 * reason on stderr, nothing lost), 2 on bad options.
 */
export async function runReplayCli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  output: Output,
): Promise<number> {
  const program = new Command('almanach-replay')
    .description(
      'List dead-lettered notifications with the reason they failed, and replay them to the ingest queue',
    )
    .option('--queue <name-or-url>', 'the dead-letter queue', 'almanach-ingest-dlq')
    .option('--to <name-or-url>', 'queue to replay to (default: the dead-letter queue name without -dlq)')
    .option(
      '--to-file <path>',
      'append the selected messages to a JSON-lines file instead; the queue keeps them',
    )
    .option('--list', 'only list the selected messages with their failure reason', false)
    .option('--dry-run', 'select and count, but send and delete nothing', false)
    .option('--event-type <types...>', 'only these event types (a trailing * matches a prefix)')
    .option('--project <id>', 'only this project (tenant)')
    .option('--older-than <duration>', 'only messages dead-lettered at least this long ago (30m, 6h, 2d)')
    .option('--newer-than <duration>', 'only messages dead-lettered at most this long ago')
    .option('--contains <text>', 'only messages whose body contains this text')
    .option('--include-malformed', 'also replay messages the ingest can never accept as they are', false)
    .option('--max <n>', 'read at most this many messages', '100000')
    .option('--hold <seconds>', 'how long the messages of a run stay hidden if it is interrupted', '300')
    .option('--json', 'print each selected message as a JSON line', false)
    .option('--sqs-endpoint <url>', 'SQS endpoint (default: $SQS_ENDPOINT, else real AWS)', env.SQS_ENDPOINT)
    .option('--local', `the local stack's SQS (http://127.0.0.1:${env.SQS_EMULATOR_PORT ?? '9324'})`, false)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => output.stdout.write(text),
      writeErr: (text) => output.stderr.write(text),
    });
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    return (error as { exitCode?: number }).exitCode === 0 ? 0 : 2;
  }
  const parsed = optionsSchema.safeParse(program.opts());
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      output.stderr.write(`--${kebab(String(issue.path[0] ?? ''))}: ${issue.message}\n`);
    return 2;
  }
  try {
    return await replay(parsed.data, env, output);
  } catch (error) {
    output.stderr.write(`almanach-replay: ${errorMessage(error)}\n`);
    return 1;
  }
}

async function replay(options: ReplayCliOptions, env: NodeJS.ProcessEnv, output: Output): Promise<number> {
  const endpoint = options.local
    ? `http://127.0.0.1:${env.SQS_EMULATOR_PORT ?? '9324'}`
    : options.sqsEndpoint;
  const client = createSqsClient(endpoint ? { endpoint } : {});
  try {
    const dlq = new DeadLetterQueue({
      client,
      queueUrl: await resolveQueueUrl(client, options.queue),
      mapping: mappingOptionsFrom(loadConfig(rulesConfigSchema, env)),
      holdSeconds: options.hold,
    });
    const destination = options.list ? undefined : await destinationFor(options, client);
    const depth = await dlq.approximateDepth();
    const action = destination
      ? `${options.dryRun ? 'dry run: would replay' : 'replaying'} to ${destination.description}`
      : 'listing';
    output.stderr.write(`${dlq.queueUrl}: about ${depth} messages; ${action}\n`);

    const bar = new SingleBar({
      format: '[{bar}] {value}/{total} read  {replayed} replayed',
      stream: output.stderr,
      hideCursor: true,
    });
    const showsBar = destination !== undefined && !options.dryRun && !options.json;
    if (showsBar) bar.start(Math.min(depth, options.max), 0, { replayed: 0 });
    const abort = new AbortController();
    const interrupt = () => abort.abort();
    process.once('SIGINT', interrupt);
    const counts = await replayDeadLetters({
      dlq,
      destination,
      // A listing shows every selected message, those the ingest can never accept included.
      filter: options.list ? { ...options, includeMalformed: true } : options,
      dryRun: options.dryRun,
      max: options.max,
      signal: abort.signal,
      onLetter: (letter, selected) => {
        if (selected && (options.json || !showsBar))
          output.stdout.write(`${describe(letter, options.json)}\n`);
      },
      onProgress: (progress) => {
        if (showsBar) bar.update(progress.examined, { replayed: progress.replayed });
      },
    }).finally(() => {
      process.removeListener('SIGINT', interrupt);
      if (showsBar) bar.stop();
    });
    output.stdout.write(`${summary(counts, options, destination)}\n`);
    return counts.failed === 0 ? 0 : 1;
  } finally {
    client.destroy();
  }
}

async function destinationFor(
  options: ReplayCliOptions,
  client: ReturnType<typeof createSqsClient>,
): Promise<ReplayDestination> {
  if (options.toFile) return fileDestination(options.toFile);
  const target = options.to ?? sourceQueueOf(options.queue);
  return queueDestination(client, await resolveQueueUrl(client, target));
}

/** The stacks and the local stack name a dead-letter queue after its source: `<name>-dlq`. */
function sourceQueueOf(dlq: string): string {
  const name = dlq.replace(/\/+$/, '');
  if (!name.endsWith('-dlq')) throw new Error(`cannot tell the source queue of ${dlq}: give it with --to`);
  return name.slice(0, -'-dlq'.length);
}

function describe(letter: DeadLetter, json: boolean): string {
  const { diagnosis } = letter;
  if (json) {
    return JSON.stringify({
      sqsMessageId: letter.sqsMessageId,
      sentAt: letter.sentAt.toISOString(),
      receiveCount: letter.receiveCount,
      ...diagnosis,
    });
  }
  const age = `${Math.round((Date.now() - letter.sentAt.getTime()) / 60_000)}m ago`;
  return [
    letter.sqsMessageId,
    age,
    `${letter.receiveCount}x`,
    diagnosis.eventType ?? '-',
    diagnosis.projectId ?? '-',
    diagnosis.reason,
  ].join('  ');
}

function summary(
  counts: ReplayCounts,
  options: ReplayCliOptions,
  destination: ReplayDestination | undefined,
): string {
  const parts = [`read ${counts.examined}`, `selected ${counts.matched}`];
  if (destination && !options.dryRun) parts.push(`replayed ${counts.replayed}`, `failed ${counts.failed}`);
  parts.push(
    `left in the queue ${counts.examined - (destination?.consumes && !options.dryRun ? counts.replayed : 0)}`,
  );
  return parts.join(', ');
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

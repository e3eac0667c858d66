import { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { apiConfigSchema } from '#config/api-schema';
import { type BridgeConfig, bridgeConfigSchema } from '#config/bridge-schema';
import { loadConfig } from '#config/schema';
import { brokerReachable, freePort, spawnBridge } from '#dev/local/bridge-process';
import { startLocalStack } from '#dev/local/stack';
import { startApiServer } from '#http/local-server';

/**
 * `npm start`: the whole system on one machine with embedded defaults — MongoDB-compatible server, SQS
 * with the ingest queue and its dead-letter queue, ingest workers, the bridge on the local RabbitMQ, and
 * the API on 127.0.0.1:8000. Ctrl-C or SIGTERM stops every part.
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
const BRIDGE_READY_TIMEOUT_MS = 60_000;
const logger = new Logger({ serviceName: 'almanach' });
const env = process.env;

const stack = await startLocalStack(env, logger);
const api = await startApiServer({
  store: stack.store,
  config: loadConfig(apiConfigSchema, { ...env, MONGODB_URI: stack.mongoUri }),
  logger,
});
const bridgeTarget = { SQS_ENDPOINT: stack.sqsEndpoint, INGEST_QUEUE_URL: stack.queueUrl };
const configuredBridge = loadConfig(bridgeConfigSchema, { ...env, ...bridgeTarget });
const bridgeEnv = {
  ...bridgeTarget,
  BRIDGE_HEALTH_PORT: String(
    configuredBridge.BRIDGE_HEALTH_PORT || (await freePort(configuredBridge.BRIDGE_HEALTH_HOST)),
  ),
};
const bridgeConfig = loadConfig(bridgeConfigSchema, { ...env, ...bridgeEnv });
const healthUrl = `http://${bridgeConfig.BRIDGE_HEALTH_HOST}:${bridgeConfig.BRIDGE_HEALTH_PORT}/health`;
const rabbitUp = await brokerReachable(bridgeConfig.RABBITMQ_URL);
const bridge = spawnBridge(bridgeEnv, healthUrl);
// Until the bridge has declared and bound its queue, a notification published to the exchanges reaches
// no queue and is gone: "running" is printed only once it consumes.
const bridgeConsuming = rabbitUp && (await bridge.consuming(BRIDGE_READY_TIMEOUT_MS));
const refusal = bridgeConsuming ? undefined : await topologyRefusal(healthUrl);

const apiToken = env.ALMANACH_AUTH_TOKEN ?? 'secret';
const lines = [
  '',
  'Almanach is running',
  `  API        ${api.url}  (header X-Auth-Token: ${apiToken})  OpenAPI: ${api.url}/v1/openapi.json`,
  `  MongoDB    ${stack.mongoUri}${stack.embeddedMongo ? `  (embedded FerretDB, data in ${stack.config.LOCAL_DATA_DIR}/ferretdb)` : ''}`,
  `  SQS        ${stack.sqsEndpoint}${stack.embeddedSqs ? ' (embedded emulator)' : ''}  queue ${stack.queueUrl}`,
  `             dead letters ${stack.dlqUrl ?? '(the queue redrive policy decides)'}`,
  `  Ingest     ${stack.config.INGEST_WORKERS} workers polling the queue with the Lambda's handler`,
  `  Bridge     ${bridgeConfig.RABBITMQ_URL.replace(/\/\/[^@]*@/, '//')}  exchanges ${bridgeConfig.BRIDGE_EXCHANGES.join(', ')} -> queue ${bridgeConfig.BRIDGE_QUEUE} (routing key ${bridgeConfig.BRIDGE_ROUTING_KEY}; ${topologyKind(bridgeConfig)}), health ${healthUrl}`,
  bridgeConsuming
    ? ''
    : refusal
      ? `  !! ${refusal}`
      : rabbitUp
        ? `  !! the bridge is not consuming yet: until it is, notifications published to those exchanges reach no queue (see ${healthUrl})`
        : `  !! RabbitMQ is not reachable at ${new URL(bridgeConfig.RABBITMQ_URL).host}: start it with 'rabbitmq-server -detached' (the bridge keeps retrying; everything else runs)`,
  `Send traffic: npm run simulate -- --verify   (or publish Nova/Cinder notifications to those exchanges)`,
  `Dead letters: npm run replay -- --sqs-endpoint ${stack.sqsEndpoint} --queue ${stack.dlqUrl ?? '<dlq>'} --list`,
  `Try: curl -H 'X-Auth-Token: ${apiToken}' '${api.url}/v1/info'`,
  'Ctrl-C stops everything.',
  '',
];
process.stdout.write(
  `${lines.filter((line, index) => line !== '' || index === 0 || index === lines.length - 1).join('\n')}\n`,
);

/** What RabbitMQ refused the bridge (a 406: its declarations differ from what exists), as /health says. */
async function topologyRefusal(url: string): Promise<string | undefined> {
  const health = await fetch(url, { signal: AbortSignal.timeout(1_000) })
    .then((response) => response.json())
    .catch(() => undefined);
  const parsed = z
    .object({ topologyMismatch: z.object({ kind: z.string(), name: z.string(), advice: z.string() }) })
    .safeParse(health);
  if (!parsed.success) return undefined;
  const { kind, name, advice } = parsed.data.topologyMismatch;
  return `RabbitMQ refuses the bridge's declaration of ${kind} '${name}': ${advice}`;
}

function topologyKind(config: BridgeConfig): string {
  if (config.BRIDGE_RABBIT_QUORUM_QUEUE) return 'quorum queue, durable';
  return config.BRIDGE_AMQP_DURABLE_QUEUES ? 'durable' : "non-durable, oslo.messaging's default";
}

let stopping = false;
async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`\n${signal}: stopping Almanach...\n`);
  await bridge.stop();
  await api.close();
  await stack.stop();
  process.stdout.write('stopped\n');
  process.exit(0);
}
process.on('SIGINT', (signal) => void shutdown(signal));
process.on('SIGTERM', (signal) => void shutdown(signal));
bridge.child.once('exit', (code, signal) => {
  if (!stopping) logger.error('the bridge exited', { code, signal });
});

import { Logger } from '@aws-lambda-powertools/logger';
import { apiConfigSchema } from '#config/api-schema';
import { bridgeConfigSchema } from '#config/bridge-schema';
import { loadConfig } from '#config/schema';
import { startApiServer } from '#http/local-server';
import { brokerReachable, freePort, spawnBridge } from '#local/bridge-process';
import { startLocalStack } from '#local/stack';

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

const apiToken = env.ALMANACH_AUTH_TOKEN ?? 'secret';
const lines = [
  '',
  'Almanach is running',
  `  API        ${api.url}  (header X-Auth-Token: ${apiToken})  OpenAPI: ${api.url}/v1/openapi.json`,
  `  MongoDB    ${stack.mongoUri}${stack.embeddedMongo ? `  (embedded FerretDB, data in ${stack.config.LOCAL_DATA_DIR}/ferretdb)` : ''}`,
  `  SQS        ${stack.sqsEndpoint}${stack.embeddedSqs ? ' (embedded emulator)' : ''}  queue ${stack.queueUrl}`,
  `             dead letters ${stack.dlqUrl ?? '(the queue redrive policy decides)'}`,
  `  Ingest     ${stack.config.INGEST_WORKERS} workers polling the queue with the Lambda's handler`,
  `  Bridge     ${bridgeConfig.RABBITMQ_URL.replace(/\/\/[^@]*@/, '//')}  exchanges ${bridgeConfig.BRIDGE_EXCHANGES.join(', ')} -> queue ${bridgeConfig.BRIDGE_QUEUE} (routing key ${bridgeConfig.BRIDGE_ROUTING_KEY}), health ${healthUrl}`,
  bridgeConsuming
    ? ''
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

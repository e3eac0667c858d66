import { Bridge } from '#bridge/bridge';
import { startHealthServer } from '#bridge/health-server';
import { reportStart, startMetricsReporter } from '#bridge/metrics-reporter';
import { bridgeConfigSchema } from '#config/bridge-schema';
import { loadConfig } from '#config/schema';
import { logger, metrics } from '#observability/logger';
import { stopOnSignals } from '#observability/shutdown';
import { createSqsClient } from '#queue/sqs-client';

/**
 * The bridge as a long-running process: an ECS Fargate service in AWS, a child process locally.
 * SIGTERM (ECS stopping the task) or SIGINT: stop consuming, send what was received, exit 0 within
 * BRIDGE_SHUTDOWN_TIMEOUT_MS (keep it below the task's stopTimeout).
 */
const config = loadConfig(bridgeConfigSchema);
logger.appendKeys({ component: 'bridge' });
reportStart(metrics);
const sqs = createSqsClient();
const bridge = new Bridge({ config, sqs, logger });

const health = await startHealthServer(() => bridge.status(), {
  host: config.BRIDGE_HEALTH_HOST,
  port: config.BRIDGE_HEALTH_PORT,
});
const stopMetrics = startMetricsReporter(bridge, {
  metrics,
  logger,
  intervalMs: config.BRIDGE_METRICS_INTERVAL_MS,
});
await bridge.start();
logger.info('bridge started', { health: health.url, queueUrl: config.INGEST_QUEUE_URL });

stopOnSignals(logger, async () => {
  stopMetrics();
  await bridge.stop();
  await health.close();
  sqs.destroy();
});

import { z } from 'zod';
import { commaSeparated, integer } from './schema.ts';

/**
 * The bridge's settings (RabbitMQ → SQS), read from the environment by functions/bridge and the local
 * stack, and passed by CDK as the container's environment. Defaults follow oslo.messaging's topology.
 */
const list = (fallback: string) => commaSeparated(fallback).pipe(z.array(z.string()).min(1));
const milliseconds = (fallback: number) => integer(fallback, 0, 3_600_000);
const name = (fallback: string) => z.string().min(1).max(255).default(fallback);

/** SQS's per-message and per-SendMessageBatch limit for queues created before August 2025 (256 KiB). */
export const SQS_CLASSIC_MAX_BYTES = 262_144;

export const bridgeConfigSchema = z.object({
  RABBITMQ_URL: z
    .string()
    .regex(/^amqps?:\/\//, 'must be an amqp:// or amqps:// URL')
    .default('amqp://guest:guest@127.0.0.1:5672')
    .describe('RabbitMQ the notifications are published to (amqp:// or amqps://, credentials in the URL)'),
  BRIDGE_EXCHANGES: list('nova,cinder').describe(
    'Comma-separated topic exchanges the queue is bound to (those of the services, as oslo.messaging names them)',
  ),
  BRIDGE_QUEUE: name('almanach.info').describe(
    'Queue the bridge consumes, declared and bound to each exchange',
  ),
  BRIDGE_AMQP_DURABLE_QUEUES: z
    .stringbool()
    .default(false)
    .describe(
      "Declare the queue and the exchanges durable, as Nova's and Cinder's [oslo_messaging_rabbit] amqp_durable_queues (same value on both sides); true keeps queued notifications through a broker restart",
    ),
  BRIDGE_RABBIT_QUORUM_QUEUE: z
    .stringbool()
    .default(false)
    .describe(
      "Declare the queue as a quorum queue (x-queue-type: quorum, durable), as Nova's and Cinder's [oslo_messaging_rabbit] rabbit_quorum_queue",
    ),
  BRIDGE_ROUTING_KEY: name('almanach.info').describe(
    'Routing key binding the queue: `<notification_topics entry>.info` of Nova and Cinder',
  ),
  BRIDGE_DEAD_LETTER_QUEUE: name('almanach.info.dead-letter').describe(
    'Durable queue receiving notifications SQS can never accept (too large, not UTF-8), with the reason in a header',
  ),
  BRIDGE_PREFETCH: integer(100, 1, 65_535).describe(
    'Unacknowledged RabbitMQ messages held at most: bounds memory and stops consuming while SQS cannot take more',
  ),
  BRIDGE_LINGER_MS: milliseconds(50).describe(
    'How long a partial batch (fewer than 10) waits for more messages',
  ),
  BRIDGE_MAX_MESSAGE_BYTES: integer(SQS_CLASSIC_MAX_BYTES, 1_024, 1_048_576).describe(
    "Largest SQS message and SendMessageBatch request (body + attributes); up to 1048576 if the queue's MaximumMessageSize allows",
  ),
  BRIDGE_SEND_ATTEMPTS: integer(5, 1, 100).describe(
    'Attempts to send a batch entry to SQS before its RabbitMQ message is requeued (nack)',
  ),
  BRIDGE_RETRY_BASE_MS: milliseconds(200).describe(
    'First backoff after a failed SQS send; doubles per failure',
  ),
  BRIDGE_RETRY_MAX_MS: milliseconds(5_000).describe('Longest backoff between SQS send attempts'),
  BRIDGE_SEND_TIMEOUT_MS: milliseconds(10_000).describe(
    'One SendMessageBatch call is abandoned after this long',
  ),
  BRIDGE_RECONNECT_MIN_MS: milliseconds(200).describe(
    'First delay before reconnecting to RabbitMQ; doubles per failure',
  ),
  BRIDGE_RECONNECT_MAX_MS: milliseconds(10_000).describe(
    'Longest delay between RabbitMQ reconnection attempts',
  ),
  BRIDGE_SHUTDOWN_TIMEOUT_MS: milliseconds(20_000).describe(
    'On SIGTERM, how long in-flight batches may take to reach SQS before the rest is left to RabbitMQ (requeued)',
  ),
  BRIDGE_CONNECTION_NAME: name('almanach-bridge').describe(
    'Connection name shown by RabbitMQ (management UI; connection_name in rabbitmqctl list_connections client_properties)',
  ),
  BRIDGE_HEALTH_HOST: z.string().min(1).default('127.0.0.1').describe('Address of the health endpoint'),
  BRIDGE_HEALTH_PORT: integer(8081, 0, 65_535).describe(
    'Port of the health endpoint (GET /health: 200 when consuming and forwarding, else 503); 0 picks a free port',
  ),
  BRIDGE_METRICS_INTERVAL_MS: milliseconds(60_000).describe(
    'How often counters are published as metrics and logged; 0 disables',
  ),
  INGEST_QUEUE_URL: z.url().describe('URL of the SQS ingest queue the notifications are forwarded to'),
});

export type BridgeConfig = z.infer<typeof bridgeConfigSchema>;

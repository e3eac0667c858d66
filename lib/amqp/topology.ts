import type { Channel } from 'amqplib';
import type { BridgeConfig } from '#config/bridge-schema';

/** What the bridge declares on RabbitMQ: oslo.messaging's notification topology, plus a dead-letter queue. */
export interface Topology {
  /** Topic exchanges the services publish to (`nova`, `cinder`). */
  exchanges: readonly string[];
  /** oslo.messaging declares them non-durable by default; a mismatch is refused by RabbitMQ (406). */
  exchangeDurable: boolean;
  queue: string;
  queueDurable: boolean;
  routingKey: string;
  deadLetterQueue: string;
}

export function topologyFrom(config: BridgeConfig): Topology {
  return {
    exchanges: config.BRIDGE_EXCHANGES,
    exchangeDurable: config.BRIDGE_EXCHANGE_DURABLE,
    queue: config.BRIDGE_QUEUE,
    queueDurable: config.BRIDGE_QUEUE_DURABLE,
    routingKey: config.BRIDGE_ROUTING_KEY,
    deadLetterQueue: config.BRIDGE_DEAD_LETTER_QUEUE,
  };
}

/**
 * Idempotent: declaring what exists with the same properties is a no-op, so it runs on every (re)connect
 * and a broker that lost its non-durable exchanges in a restart gets them back before anything is consumed.
 */
export async function declareTopology(channel: Channel, topology: Topology): Promise<void> {
  await channel.assertQueue(topology.queue, { durable: topology.queueDurable });
  await channel.assertQueue(topology.deadLetterQueue, { durable: true });
  for (const exchange of topology.exchanges) {
    await channel.assertExchange(exchange, 'topic', { durable: topology.exchangeDurable, autoDelete: false });
    await channel.bindQueue(topology.queue, exchange, topology.routingKey);
  }
}

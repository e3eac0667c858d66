import type { Channel, Options } from 'amqplib';
import type { BridgeConfig } from '#config/bridge-schema';

/**
 * What the bridge declares on RabbitMQ: oslo.messaging's notification topology, plus a dead-letter queue.
 * oslo.messaging's Notifier declares the same exchanges and the queue `<topic>.<priority>` itself, on its
 * first publish; RabbitMQ refuses (406 PRECONDITION_FAILED) the second declaration of a queue or exchange
 * whose properties differ, so both sides must derive them from the same two settings.
 */
export interface Topology {
  /** Topic exchanges the services publish to (`nova`, `cinder`). */
  exchanges: readonly string[];
  /** oslo.messaging's `amqp_durable_queues`: the exchanges and the queue survive a broker restart. */
  durable: boolean;
  /** oslo.messaging's `rabbit_quorum_queue`: the queue is a quorum queue (which makes everything durable). */
  quorum: boolean;
  queue: string;
  routingKey: string;
  deadLetterQueue: string;
}

/** The settings the declarations derive from, named as the bridge's environment names them. */
export const TOPOLOGY_SETTINGS = {
  durable: 'BRIDGE_AMQP_DURABLE_QUEUES',
  quorum: 'BRIDGE_RABBIT_QUORUM_QUEUE',
} as const;

export function topologyFrom(config: BridgeConfig): Topology {
  return {
    exchanges: config.BRIDGE_EXCHANGES,
    durable: config.BRIDGE_AMQP_DURABLE_QUEUES,
    quorum: config.BRIDGE_RABBIT_QUORUM_QUEUE,
    queue: config.BRIDGE_QUEUE,
    routingKey: config.BRIDGE_ROUTING_KEY,
    deadLetterQueue: config.BRIDGE_DEAD_LETTER_QUEUE,
  };
}

/** oslo.messaging's `Connection.durable`: "quorum queues are durable by default". */
function isDurable(topology: Pick<Topology, 'durable' | 'quorum'>): boolean {
  return topology.durable || topology.quorum;
}

/** As oslo.messaging's `notify_send` declares a service's exchange (`amqp_auto_delete` is false). */
export function exchangeOptions(topology: Pick<Topology, 'durable' | 'quorum'>): Options.AssertExchange {
  return { durable: isDurable(topology), autoDelete: false };
}

/** As oslo.messaging's `_publish_and_creates_default_queue` declares the notification queue. */
export function queueOptions(topology: Pick<Topology, 'durable' | 'quorum'>): Options.AssertQueue {
  return {
    durable: isDurable(topology),
    autoDelete: false,
    arguments: topology.quorum ? { 'x-queue-type': 'quorum' } : {},
  };
}

/**
 * Idempotent: declaring what exists with the same properties is a no-op, so it runs on every (re)connect
 * and a broker that lost its non-durable exchanges in a restart gets them back before anything is consumed.
 * A declaration RabbitMQ refuses rejects with its 406, which `topologyMismatchOf` explains.
 */
export async function declareTopology(channel: Channel, topology: Topology): Promise<void> {
  await channel.assertQueue(topology.queue, queueOptions(topology));
  // The bridge's own queue: nobody else declares it, and what it holds must survive a restart.
  await channel.assertQueue(topology.deadLetterQueue, { durable: true });
  for (const exchange of topology.exchanges) {
    await channel.assertExchange(exchange, 'topic', exchangeOptions(topology));
    await channel.bindQueue(topology.queue, exchange, topology.routingKey);
  }
}

/**
 * What oslo.messaging's Notifier declares before its first publish to an exchange (and after every
 * reconnection): the exchange, and a queue named after the routing key bound to it, so that notifications
 * are kept while nobody consumes them yet. The simulator and the tests' publishers declare through this.
 */
export async function declareAsNotifier(
  channel: Channel,
  exchange: string,
  topology: Pick<Topology, 'routingKey' | 'durable' | 'quorum'>,
): Promise<void> {
  await channel.assertExchange(exchange, 'topic', exchangeOptions(topology));
  await channel.assertQueue(topology.routingKey, queueOptions(topology));
  await channel.bindQueue(topology.routingKey, exchange, topology.routingKey);
}

/** A queue or exchange that exists with other properties than the bridge declares, and what to do. */
export interface TopologyMismatch {
  kind: 'queue' | 'exchange';
  name: string;
  /** The differing property, as RabbitMQ names it (`durable`, `x-queue-type`, `auto_delete`, `type`…). */
  property: string;
  /** What the bridge declared and what the broker has, in RabbitMQ's words. */
  declared: string;
  existing: string;
  /** The bridge setting to change, when one decides this property. */
  setting: string | undefined;
  advice: string;
}

// RabbitMQ's words, e.g. "PRECONDITION_FAILED - inequivalent arg 'durable' for queue 'almanach.info' in
// vhost '/': received 'false' but current is 'true'".
const INEQUIVALENT =
  /inequivalent arg '([^']+)' for (queue|exchange) '(.+?)' in vhost '[^']*': received (.+?) but current is (.+?)"?$/;

/** Reads a refused declaration; anything else (not a 406, or another 406) is not a mismatch. */
export function topologyMismatchOf(
  error: unknown,
  topology: Pick<Topology, 'quorum'> & { deadLetterQueue?: string },
): TopologyMismatch | undefined {
  if (!(error instanceof Error) || (error as { code?: unknown }).code !== 406) return undefined;
  const match = INEQUIVALENT.exec(error.message);
  if (!match) return undefined;
  const [, property = '', kind = 'queue', name = '', declared = '', existing = ''] = match;
  const mismatch = {
    kind: kind === 'exchange' ? 'exchange' : 'queue',
    name,
    property,
    declared,
    existing,
  } as const;
  return { ...mismatch, ...adviceFor(mismatch, topology) };
}

function adviceFor(
  mismatch: Pick<TopologyMismatch, 'kind' | 'name' | 'property' | 'existing'>,
  topology: Pick<Topology, 'quorum'> & { deadLetterQueue?: string },
): Pick<TopologyMismatch, 'setting' | 'advice'> {
  const what = `${mismatch.kind} '${mismatch.name}'`;
  const orDelete = `or, if an earlier configuration declared it, delete the ${mismatch.kind} (what it holds is lost) so that it is declared again`;
  if (mismatch.name === topology.deadLetterQueue) {
    return {
      setting: undefined,
      advice: `the dead-letter ${what} was declared by someone else with other properties: delete it or set BRIDGE_DEAD_LETTER_QUEUE to another name`,
    };
  }
  if (mismatch.property === 'durable') {
    const wanted = /true/.test(mismatch.existing);
    if (!wanted && topology.quorum) {
      return {
        setting: TOPOLOGY_SETTINGS.quorum,
        advice: `the ${what} is not durable, and a quorum queue always is: set ${TOPOLOGY_SETTINGS.quorum}=false and ${TOPOLOGY_SETTINGS.durable}=false to match [oslo_messaging_rabbit] of Nova and Cinder, ${orDelete}`,
      };
    }
    return {
      setting: TOPOLOGY_SETTINGS.durable,
      advice: `set ${TOPOLOGY_SETTINGS.durable}=${wanted} to match [oslo_messaging_rabbit] amqp_durable_queues of Nova and Cinder, ${orDelete}`,
    };
  }
  if (mismatch.property === 'x-queue-type') {
    const wanted = /quorum/.test(mismatch.existing);
    return {
      setting: TOPOLOGY_SETTINGS.quorum,
      advice: `set ${TOPOLOGY_SETTINGS.quorum}=${wanted} to match [oslo_messaging_rabbit] rabbit_quorum_queue of Nova and Cinder, ${orDelete}`,
    };
  }
  return {
    setting: undefined,
    advice: `the bridge declares ${what} as oslo.messaging does by default (topic exchange, no auto-delete, no other queue arguments such as rabbit_ha_queues' x-ha-policy); align the publishers' [oslo_messaging_rabbit] settings, ${orDelete}`,
  };
}

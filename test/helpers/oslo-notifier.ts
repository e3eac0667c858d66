import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Topology } from '#amqp/topology';
import type { OsloMessage } from '#dev/simulator/oslo-envelope';
import { RABBITMQ_URL } from './rabbitmq.ts';

/** Debian's python3-oslo.messaging is installed for the system Python, not for a pyenv or venv one. */
const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./oslo-notifier.py', import.meta.url));
const TIMEOUT_MS = 120_000;

export interface OsloPublication {
  /** oslo.messaging's control_exchange: `nova` for Nova, `cinder` for Cinder. */
  exchange: string;
  /** The routing key `<topic>.info` and the declarations (amqp_durable_queues, rabbit_quorum_queue). */
  topology: Pick<Topology, 'routingKey' | 'durable' | 'quorum'>;
  /** What the services would notify: event type, payload, publisher and `_context_*` keys are kept. */
  notifications: readonly OsloMessage[];
  url?: string;
}

/**
 * Publishes through oslo.messaging's own Notifier (driver messagingv2, topics [<topic>]), exactly as Nova
 * and Cinder do: it declares the exchange and the queue `<topic>.info` itself, and makes its own envelope,
 * message_id and timestamp. Resolves once every notification reached RabbitMQ; rejects with what oslo
 * logged otherwise (e.g. a 406 PRECONDITION_FAILED).
 */
export async function publishWithOslo(publication: OsloPublication): Promise<void> {
  const { routingKey, durable, quorum } = publication.topology;
  if (!routingKey.endsWith('.info')) throw new Error(`oslo publishes to <topic>.info, not ${routingKey}`);
  const request = {
    url: (publication.url ?? RABBITMQ_URL).replace(/^amqp:/, 'rabbit:').replace(/\/?$/, '/'),
    control_exchange: publication.exchange,
    topic: routingKey.slice(0, -'.info'.length),
    amqp_durable_queues: durable,
    rabbit_quorum_queue: quorum,
    notifications: publication.notifications.map((message) => ({
      publisher_id: message.publisher_id,
      event_type: message.event_type,
      payload: message.payload,
      context: Object.fromEntries(
        Object.entries(message)
          .filter(([key]) => key.startsWith('_context_'))
          .map(([key, value]) => [key.slice('_context_'.length), value]),
      ),
    })),
  };
  const child = spawn(PYTHON, [SCRIPT], { stdio: ['pipe', 'ignore', 'pipe'], timeout: TIMEOUT_MS });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  child.stdin.end(JSON.stringify(request));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`oslo.messaging's Notifier failed (exit ${code}): ${stderr.trim()}`);
}

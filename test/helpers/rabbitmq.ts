import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { type ChannelModel, type ConfirmChannel, connect, type Options } from 'amqplib';
import { declareTopology, type Topology } from '#amqp/topology';

/** The machine's RabbitMQ (tests only ever use 127.0.0.1). */
export const RABBITMQ_URL = process.env.TEST_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

const run = promisify(execFile);

/**
 * oslo.messaging's default topology under names no other test (nor a running local stack) uses. As in a
 * cloud, the queue is named after the routing key (`<notification topic>.info`): oslo's Notifier declares
 * that queue too.
 */
export function uniqueTopology(
  prefix: string,
  options: Partial<Pick<Topology, 'durable' | 'quorum'>> = {},
): Topology {
  const base = `test.${prefix}.${randomBytes(4).toString('hex')}`;
  return {
    exchanges: [`${base}.nova`, `${base}.cinder`],
    durable: options.durable ?? false,
    quorum: options.quorum ?? false,
    queue: `${base}.almanach.info`,
    routingKey: `${base}.almanach.info`,
    deadLetterQueue: `${base}.almanach.info.dead-letter`,
  };
}

/** The settings of the bridge for `topology`, as environment variables. */
export function topologyEnvironment(topology: Topology): Record<string, string> {
  return {
    BRIDGE_EXCHANGES: topology.exchanges.join(','),
    BRIDGE_QUEUE: topology.queue,
    BRIDGE_AMQP_DURABLE_QUEUES: String(topology.durable),
    BRIDGE_RABBIT_QUORUM_QUEUE: String(topology.quorum),
    BRIDGE_ROUTING_KEY: topology.routingKey,
    BRIDGE_DEAD_LETTER_QUEUE: topology.deadLetterQueue,
  };
}

/** A publisher with confirms, as Nova's notifier would be, plus what the tests inspect and clean up. */
export class TestRabbit {
  private constructor(
    private readonly connection: ChannelModel,
    private readonly channel: ConfirmChannel,
  ) {}

  static async open(url = RABBITMQ_URL): Promise<TestRabbit> {
    const connection = await connect(url, { clientProperties: { connection_name: 'almanach-tests' } });
    connection.on('error', () => undefined);
    const channel = await connection.createConfirmChannel();
    channel.on('error', () => undefined);
    return new TestRabbit(connection, channel);
  }

  /** What the bridge declares, declared beforehand: messages published before it starts are kept. */
  async declareTopology(topology: Topology): Promise<void> {
    await declareTopology(this.channel, topology);
  }

  /** Publishes every body and resolves once RabbitMQ confirmed them all (they are in the queue). */
  async publishConfirmed(
    exchange: string,
    routingKey: string,
    bodies: readonly string[],
    options: Options.Publish = {},
  ): Promise<void> {
    for (const body of bodies) {
      const writable = this.channel.publish(exchange, routingKey, Buffer.from(body), options);
      if (!writable) await new Promise((resolve) => this.channel.once('drain', resolve));
    }
    await this.channel.waitForConfirms();
  }

  /** Messages ready in the queue (delivered-but-unacknowledged ones are not counted). */
  async readyCount(queue: string): Promise<number> {
    const { messageCount } = await this.channel.checkQueue(queue);
    return messageCount;
  }

  /** Takes (and acknowledges) every message left in the queue. */
  async takeAll(queue: string): Promise<{ body: string; headers: Record<string, unknown> }[]> {
    const taken: { body: string; headers: Record<string, unknown> }[] = [];
    for (;;) {
      const message = await this.channel.get(queue, { noAck: true });
      if (message === false) return taken;
      taken.push({ body: message.content.toString('utf8'), headers: message.properties.headers ?? {} });
    }
  }

  async deleteExchange(exchange: string): Promise<void> {
    await this.channel.deleteExchange(exchange);
  }

  async deleteTopology(topology: Topology): Promise<void> {
    await this.channel.deleteQueue(topology.queue);
    await this.channel.deleteQueue(topology.deadLetterQueue);
    for (const exchange of topology.exchanges) await this.channel.deleteExchange(exchange);
  }

  async close(): Promise<void> {
    await this.connection.close().catch(() => undefined);
  }
}

/** What an operator's `rabbitmqctl close_connection` does, to the connections with this name only. */
export async function forceCloseConnections(connectionName: string): Promise<number> {
  const { stdout } = await run('rabbitmqctl', [
    'list_connections',
    '--quiet',
    '--no-table-headers',
    'pid',
    'client_properties',
  ]);
  const pids = stdout
    .split('\n')
    .filter((line) => line.includes(`{"connection_name","${connectionName}"}`))
    .map((line) => line.split('\t')[0] ?? '')
    .filter(Boolean);
  for (const pid of pids) await run('rabbitmqctl', ['close_connection', pid, 'closed by a test']);
  return pids.length;
}

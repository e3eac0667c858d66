import { setTimeout as sleep } from 'node:timers/promises';
import { type ChannelModel, type ConfirmChannel, connect } from 'amqplib';
import { declareAsNotifier, type Topology } from '#amqp/topology';
import type { BatchSink } from '#dev/simulator/publish';
import { RABBITMQ_URL } from './rabbitmq.ts';

/** One message as a notifier publishes it; `id` travels as the AMQP message id. */
export interface Publication {
  id: string;
  exchange: string;
  body: string;
}

export interface StreamPublisherOptions {
  /** What `rabbitmqctl close_connection` is pointed at. */
  connectionName: string;
  /** The routing key, and the declarations oslo.messaging's settings give the exchanges and the queue. */
  topology: Pick<Topology, 'routingKey' | 'durable' | 'quorum'>;
  /** How long one batch may keep failing (broker down, no queue bound) before the run fails. */
  giveUpAfterMs?: number;
}

const CONFIRM_TIMEOUT_MS = 10_000;
const RETRY_PAUSE_MS = 300;

/**
 * A notifier that keeps its promise through broker faults, as oslo.messaging's retrying notifier does: each
 * batch is published persistent and mandatory, and counts as published only once RabbitMQ confirmed it and
 * routed every message to a queue. On each connection it declares the exchanges and the queue as oslo's
 * Notifier does (a broker restart drops non-durable ones). A connection lost before the confirm, or a
 * message returned unroutable, is published again: the same message may arrive twice, which the ingest
 * must absorb.
 */
export class StreamPublisher implements BatchSink<Publication> {
  /** Publish calls, republications included. */
  attempts = 0;
  private connection: ChannelModel | undefined;
  private channel: ConfirmChannel | undefined;
  private readonly returned = new Set<string>();

  readonly connectionName: string;

  constructor(private readonly options: StreamPublisherOptions) {
    this.connectionName = options.connectionName;
  }

  async send(batch: readonly Publication[]): Promise<void> {
    const giveUpAt = Date.now() + (this.options.giveUpAfterMs ?? 60_000);
    let pending = [...batch];
    let lastError: unknown;
    while (pending.length > 0) {
      if (Date.now() > giveUpAt)
        throw new Error(`${pending.length} messages still unconfirmed or unroutable: ${String(lastError)}`);
      try {
        pending = await this.publishOnce(pending);
        if (pending.length > 0) {
          lastError = 'returned unroutable';
          await sleep(RETRY_PAUSE_MS);
        }
      } catch (error) {
        lastError = error;
        await this.dropConnection();
        await sleep(RETRY_PAUSE_MS);
      }
    }
  }

  async close(): Promise<void> {
    await this.dropConnection();
  }

  /** Publishes and waits for the confirms; returns the messages RabbitMQ returned as unroutable. */
  private async publishOnce(batch: readonly Publication[]): Promise<Publication[]> {
    const channel = await this.openChannel(batch);
    for (const { id } of batch) this.returned.delete(id);
    for (const { id, exchange, body } of batch) {
      this.attempts++;
      channel.publish(exchange, this.options.topology.routingKey, Buffer.from(body), {
        messageId: id,
        persistent: true,
        mandatory: true,
        contentType: 'application/json',
      });
    }
    await confirmedWithin(channel, CONFIRM_TIMEOUT_MS);
    return batch.filter(({ id }) => this.returned.has(id));
  }

  private async openChannel(batch: readonly Publication[]): Promise<ConfirmChannel> {
    if (this.channel) return this.channel;
    const connection = await connect(RABBITMQ_URL, {
      clientProperties: { connection_name: this.connectionName },
    });
    connection.on('error', () => undefined);
    connection.on('close', () => {
      if (this.connection === connection) {
        this.connection = undefined;
        this.channel = undefined;
      }
    });
    this.connection = connection;
    const setup = await connection.createChannel();
    for (const exchange of new Set(batch.map((publication) => publication.exchange)))
      await declareAsNotifier(setup, exchange, this.options.topology);
    await setup.close();
    const channel = await connection.createConfirmChannel();
    channel.on('error', () => undefined);
    channel.on('close', () => {
      if (this.channel === channel) this.channel = undefined;
    });
    channel.on('return', (message) => {
      const id = message.properties.messageId;
      if (typeof id === 'string') this.returned.add(id);
    });
    this.channel = channel;
    return channel;
  }

  private async dropConnection(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    this.channel = undefined;
    await connection?.close().catch(() => undefined);
  }
}

async function confirmedWithin(channel: ConfirmChannel, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no publisher confirm within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([channel.waitForConfirms(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

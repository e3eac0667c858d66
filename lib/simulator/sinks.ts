import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type ChannelModel, type ConfirmChannel, connect } from 'amqplib';
import { messageAttributes } from '#bridge/outgoing-message';
import { resolveQueueUrl } from '#queue/queue-url';
import type { Service, SimulatedNotification } from './cloud.ts';
import { rabbitBody } from './notifications.ts';

/** Where simulated notifications go. `send` resolves once the destination accepted the whole batch. */
export interface NotificationSink {
  readonly description: string;
  send(batch: readonly SimulatedNotification[]): Promise<void>;
  /** Messages accepted but routed nowhere (no queue bound to the exchange). */
  readonly unroutable: number;
  close(): Promise<void>;
}

export interface RabbitSinkOptions {
  url: string;
  exchanges: Record<Service, string>;
  routingKey: string;
}

/**
 * Publishes as Nova and Cinder do through oslo.messaging: the v2 envelope as a JSON body on the service's
 * topic exchange, declared (non-durable, oslo's default) when missing. Publisher confirms make `send`
 * resolve only once RabbitMQ has the messages; `mandatory` reports those no queue was bound to receive.
 */
export async function openRabbitSink(options: RabbitSinkOptions): Promise<NotificationSink> {
  const model = await connect(options.url, {
    clientProperties: { connection_name: 'almanach-simulator' },
  }).catch((error: unknown) => {
    throw new Error(
      `cannot reach RabbitMQ at ${new URL(options.url).host} (${error instanceof Error ? error.message : String(error)}); is it running? (rabbitmq-server -detached)`,
    );
  });
  model.on('error', () => undefined);
  try {
    for (const exchange of Object.values(options.exchanges)) await ensureExchange(model, exchange);
    const channel = await model.createConfirmChannel();
    return new RabbitSink(model, channel, options);
  } catch (error) {
    await model.close().catch(() => undefined);
    throw error;
  }
}

/** An exchange declared by the bridge (or Nova) is used as it is; only a missing one is declared. */
async function ensureExchange(model: ChannelModel, exchange: string): Promise<void> {
  const probe = await model.createChannel();
  probe.on('error', () => undefined);
  try {
    await probe.checkExchange(exchange);
    await probe.close();
  } catch {
    const channel = await model.createChannel();
    await channel.assertExchange(exchange, 'topic', { durable: false, autoDelete: false });
    await channel.close();
  }
}

class RabbitSink implements NotificationSink {
  readonly description: string;
  unroutable = 0;

  constructor(
    private readonly model: ChannelModel,
    private readonly channel: ConfirmChannel,
    private readonly options: RabbitSinkOptions,
  ) {
    const host = new URL(options.url).host;
    this.description = `RabbitMQ ${host} (exchanges ${options.exchanges.nova}, ${options.exchanges.cinder}; routing key ${options.routingKey})`;
    channel.on('return', () => {
      this.unroutable++;
    });
  }

  async send(batch: readonly SimulatedNotification[]): Promise<void> {
    for (const { service, message } of batch) {
      this.channel.publish(
        this.options.exchanges[service],
        this.options.routingKey,
        Buffer.from(rabbitBody(message)),
        { contentType: 'application/json', contentEncoding: 'utf-8', mandatory: true },
      );
    }
    await this.channel.waitForConfirms();
  }

  async close(): Promise<void> {
    await this.channel.close().catch(() => undefined);
    await this.model.close().catch(() => undefined);
  }
}

export interface SqsSinkOptions {
  client: SQSClient;
  /** A queue URL, or a queue name looked up with GetQueueUrl. */
  queue: string;
  exchanges: Record<Service, string>;
  routingKey: string;
  attempts?: number;
}

/** Straight into the ingest queue, with the message attributes the bridge would have added. */
export async function openSqsSink(options: SqsSinkOptions): Promise<NotificationSink> {
  const queueUrl = await resolveQueueUrl(options.client, options.queue);
  const attempts = options.attempts ?? 5;
  return {
    description: `SQS queue ${queueUrl}`,
    unroutable: 0,
    send: async (batch) => {
      for (let offset = 0; offset < batch.length; offset += 10) {
        let entries = batch.slice(offset, offset + 10).map(({ service, message }, index) => ({
          Id: String(index),
          MessageBody: rabbitBody(message),
          MessageAttributes: messageAttributes({
            exchange: options.exchanges[service],
            routingKey: options.routingKey,
          }),
        }));
        for (let attempt = 1; entries.length > 0; attempt++) {
          const { Failed = [] } = await options.client.send(
            new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }),
          );
          const failed = new Set(Failed.map((failure) => failure.Id));
          entries = entries.filter((entry) => failed.has(entry.Id));
          if (entries.length > 0 && attempt >= attempts) {
            throw new Error(
              `SQS refused ${entries.length} messages: ${Failed[0]?.Code ?? ''} ${Failed[0]?.Message ?? ''}`,
            );
          }
        }
      }
    },
    close: async () => undefined,
  };
}

import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type ChannelModel, type ConfirmChannel, connect } from 'amqplib';
import { declareAsNotifier, TOPOLOGY_SETTINGS, topologyMismatchOf } from '#amqp/topology';
import { messageAttributes } from '#bridge/outgoing-message';
import { errorMessage } from '#observability/thrown';
import { resolveQueueUrl } from '#queue/queue-url';
import type { Service, SimulatedNotification } from './cloud.ts';
import { rabbitBody } from './oslo-envelope.ts';

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
  /** oslo.messaging's amqp_durable_queues and rabbit_quorum_queue: the same values as the bridge's. */
  durable: boolean;
  quorum: boolean;
}

/**
 * Publishes as Nova and Cinder do through oslo.messaging: the v2 envelope as a JSON body on the service's
 * topic exchange, declared with the queue `<routing key>` as oslo's Notifier declares them. Publisher
 * confirms make `send` resolve only once RabbitMQ has the messages; `mandatory` reports those no queue
 * was bound to receive.
 */
export async function openRabbitSink(options: RabbitSinkOptions): Promise<NotificationSink> {
  const model = await connect(options.url, {
    clientProperties: { connection_name: 'almanach-simulator' },
  }).catch((error: unknown) => {
    throw new Error(
      `cannot reach RabbitMQ at ${new URL(options.url).host} (${errorMessage(error)}); is it running? (rabbitmq-server -detached)`,
    );
  });
  model.on('error', () => undefined);
  try {
    await declareAsOslo(model, options);
    const channel = await model.createConfirmChannel();
    return new RabbitSink(model, channel, options);
  } catch (error) {
    await model.close().catch(() => undefined);
    throw error;
  }
}

/** RabbitMQ refuses (406) a declaration that differs from what the bridge or Nova declared: say which. */
async function declareAsOslo(model: ChannelModel, options: RabbitSinkOptions): Promise<void> {
  const channel = await model.createChannel();
  channel.on('error', () => undefined);
  try {
    for (const exchange of Object.values(options.exchanges))
      await declareAsNotifier(channel, exchange, options);
    await channel.close();
  } catch (error) {
    const mismatch = topologyMismatchOf(error, options);
    if (!mismatch) throw error;
    throw new Error(
      `RabbitMQ refused to declare ${mismatch.kind} '${mismatch.name}': its ${mismatch.property} is ${mismatch.existing}, declared ${mismatch.declared}; publish with the bridge's ${TOPOLOGY_SETTINGS.durable} and ${TOPOLOGY_SETTINGS.quorum} (--amqp-durable-queues, --rabbit-quorum-queue)`,
    );
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

import { setMaxListeners } from 'node:events';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage, RecoveringChannelModel } from 'amqplib';
import { guardEmitter, openRecoveringConnection } from '#amqp/connection';
import { deadLetter } from '#amqp/dead-letter';
import {
  declareTopology,
  type Topology,
  type TopologyMismatch,
  topologyFrom,
  topologyMismatchOf,
} from '#amqp/topology';
import type { BridgeConfig } from '#config/bridge-schema';
import { errorMessage } from '#observability/thrown';
import { BatchAccumulator } from './batch-accumulator.ts';
import { linkSignals } from './linked-signal.ts';
import { type OutgoingMessage, toOutgoingMessage } from './outgoing-message.ts';
import { SqsBatchSender } from './sqs-batch-sender.ts';

export interface BridgeCounters {
  /** Messages SQS accepted. */
  forwarded: number;
  /** Batch entries sent to SQS again after a failed attempt. */
  retried: number;
  /** Messages handed back to RabbitMQ (nack, requeue) after their last failed attempt. */
  failed: number;
  /** Messages SQS can never accept, moved to the dead-letter queue. */
  deadLettered: number;
  /** Successful reconnections to RabbitMQ after the first connection. */
  reconnects: number;
  /** Messages received from RabbitMQ and not yet acknowledged or handed back. */
  inFlight: number;
  /** The highest `inFlight` seen: never above the prefetch window. */
  maxInFlight: number;
}

export type ConnectionState = 'connecting' | 'consuming' | 'reconnecting' | 'stopping' | 'stopped';

export interface BridgeStatus {
  /** Consuming from RabbitMQ, and SQS accepting what it is sent. */
  healthy: boolean;
  connection: ConnectionState;
  sqs: 'ok' | 'failing';
  /** Messages ready in the RabbitMQ queue when last sampled (the bridge's lag). */
  queueDepth: number | undefined;
  /** Why the bridge cannot consume: RabbitMQ refused its declaration of a queue or exchange (406). */
  topologyMismatch?: TopologyMismatch;
  counters: BridgeCounters;
}

export interface BridgeDependencies {
  config: BridgeConfig;
  sqs: SQSClient;
  logger: Logger;
}

/**
 * Every batch in flight listens to the signal (disposed with it): up to one per message of the prefetch
 * window. Above Node's default of 10 that is not a leak, so the warning is raised past that bound only.
 */
function listenPerBatch(signal: AbortSignal, prefetch: number): void {
  setMaxListeners(prefetch + 10, signal);
}

/** One connection's channels. When any of them closes, what they delivered and did not settle is RabbitMQ's again. */
class Session {
  readonly abort = new AbortController();
  open = true;
  consumerTag: string | undefined;

  constructor(
    readonly model: ChannelModel,
    readonly consumer: Channel,
    readonly publisher: ConfirmChannel,
  ) {}
}

interface Pending {
  session: Session;
  delivery: ConsumeMessage;
  message: OutgoingMessage;
  bytes: number;
}

/** Of the shutdown bound, what is kept for handing the unsent back and closing the connection. */
const CLOSE_ALLOWANCE_MS = 2_000;

/**
 * RabbitMQ → SQS, at least once. A message is acknowledged to RabbitMQ only once SQS accepted it; until then
 * it counts against the prefetch window, so while SQS fails the broker stops delivering and memory stays
 * bounded. Whatever is not acknowledged when a channel or the connection goes away is redelivered by
 * RabbitMQ, possibly after SQS already got it: a duplicate, which the ingest ignores by `message_id`.
 */
export class Bridge {
  private readonly config: BridgeConfig;
  private readonly logger: Logger;
  private readonly topology: Topology;
  private readonly sender: SqsBatchSender;
  private readonly batch: BatchAccumulator<Pending>;
  private readonly work = new Set<Promise<void>>();
  /** Aborted when the shutdown bound is near: sends still retrying give up and their messages are requeued. */
  private readonly shutdown = new AbortController();
  private readonly counters: BridgeCounters = {
    forwarded: 0,
    retried: 0,
    failed: 0,
    deadLettered: 0,
    reconnects: 0,
    inFlight: 0,
    maxInFlight: 0,
  };
  private connection: RecoveringChannelModel | undefined;
  private session: Session | undefined;
  private state: ConnectionState = 'connecting';
  private connectedOnce = false;
  private queueDepth: number | undefined;
  private topologyMismatch: TopologyMismatch | undefined;
  private linger: NodeJS.Timeout | undefined;
  private stopped: Promise<void> | undefined;

  constructor({ config, sqs, logger }: BridgeDependencies) {
    this.config = config;
    this.logger = logger;
    this.topology = topologyFrom(config);
    this.batch = new BatchAccumulator(config.BRIDGE_MAX_MESSAGE_BYTES);
    listenPerBatch(this.shutdown.signal, config.BRIDGE_PREFETCH);
    this.sender = new SqsBatchSender({
      client: sqs,
      queueUrl: config.INGEST_QUEUE_URL,
      policy: {
        attempts: config.BRIDGE_SEND_ATTEMPTS,
        baseMs: config.BRIDGE_RETRY_BASE_MS,
        maxMs: config.BRIDGE_RETRY_MAX_MS,
        timeoutMs: config.BRIDGE_SEND_TIMEOUT_MS,
      },
      onRetry: (entries) => {
        this.counters.retried += entries;
      },
    });
  }

  private get stopping(): boolean {
    return this.state === 'stopping' || this.state === 'stopped';
  }

  /** Returns at once; the connection is made (and remade) in the background. */
  async start(): Promise<void> {
    this.connection = await openRecoveringConnection({
      url: this.config.RABBITMQ_URL,
      name: this.config.BRIDGE_CONNECTION_NAME,
      minDelayMs: this.config.BRIDGE_RECONNECT_MIN_MS,
      maxDelayMs: this.config.BRIDGE_RECONNECT_MAX_MS,
      logger: this.logger,
      setup: (model) => this.setup(model),
    });
    this.connection.on('connect', () => {
      if (this.connectedOnce) this.counters.reconnects++;
      this.connectedOnce = true;
    });
  }

  status(): BridgeStatus {
    const sqs = this.sender.failing ? 'failing' : 'ok';
    return {
      healthy: this.state === 'consuming' && sqs === 'ok',
      connection: this.state,
      sqs,
      queueDepth: this.queueDepth,
      ...(this.topologyMismatch && { topologyMismatch: this.topologyMismatch }),
      counters: { ...this.counters },
    };
  }

  /** Messages ready in the queue (not yet delivered to the bridge); undefined while disconnected. */
  async sampleQueueDepth(): Promise<number | undefined> {
    const session = this.session;
    if (!session?.open) return undefined;
    try {
      const { messageCount } = await session.publisher.checkQueue(this.topology.queue);
      this.queueDepth = messageCount;
    } catch (error) {
      this.logger.warn('could not read the queue depth', { error: errorMessage(error) });
    }
    return this.queueDepth;
  }

  /**
   * Stops consuming, sends what was received, acknowledges what SQS accepted, hands the rest back to
   * RabbitMQ and closes, within `timeoutMs`.
   */
  stop(timeoutMs = this.config.BRIDGE_SHUTDOWN_TIMEOUT_MS): Promise<void> {
    this.stopped ??= this.drainAndClose(timeoutMs);
    return this.stopped;
  }

  private async drainAndClose(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const giveUpAt = deadline - Math.min(CLOSE_ALLOWANCE_MS, timeoutMs / 4);
    this.state = 'stopping';
    this.logger.info('stopping: no new messages, sending those received', {
      inFlight: this.counters.inFlight,
    });

    const session = this.session;
    if (session?.open && session.consumerTag) {
      await until(
        deadline,
        session.consumer.cancel(session.consumerTag).catch((error: unknown) => {
          this.logger.warn('could not cancel the consumer', { error: errorMessage(error) });
        }),
      );
    }
    // Deliveries already on the wire when the consumer was cancelled still arrive: send them too.
    do {
      this.flush();
      await until(giveUpAt, this.settled());
    } while (this.batch.length > 0 && Date.now() < giveUpAt);
    this.shutdown.abort();
    await until(deadline, this.settled());
    if (session?.open) await until(deadline, this.closeChannels(session));
    await until(
      deadline,
      this.connection?.close().catch((error: unknown) => {
        this.logger.warn('could not close the RabbitMQ connection', { error: errorMessage(error) });
      }),
    );
    this.state = 'stopped';
    this.logger.info('stopped', { ...this.counters });
  }

  /**
   * amqplib interleaves its channels' frames on the socket, so a connection close can overtake acks still
   * queued on the consuming channel, and RabbitMQ would redeliver messages SQS already has. A channel's
   * close is ordered after its own acks, and RabbitMQ answers it only once they are processed.
   */
  private async closeChannels(session: Session): Promise<void> {
    session.open = false;
    for (const channel of [session.consumer, session.publisher]) {
      await channel.close().catch((error: unknown) => {
        this.logger.warn('could not close a RabbitMQ channel', { error: errorMessage(error) });
      });
    }
  }

  /** Runs on every (re)connection: topology first, then a channel consuming with the prefetch window. */
  private async setup(model: ChannelModel): Promise<void> {
    const publisher = await model.createConfirmChannel();
    guardEmitter(publisher, this.logger, 'RabbitMQ publishing channel');
    await this.declare(publisher);
    if (this.stopping) return;

    const consumer = await model.createChannel();
    guardEmitter(consumer, this.logger, 'RabbitMQ consuming channel');
    await consumer.prefetch(this.config.BRIDGE_PREFETCH);
    const session = new Session(model, consumer, publisher);
    listenPerBatch(session.abort.signal, this.config.BRIDGE_PREFETCH);
    const lost = () => this.endSession(session);
    consumer.on('close', lost);
    publisher.on('close', lost);
    model.on('close', lost);

    const { consumerTag } = await consumer.consume(
      this.topology.queue,
      (delivery) => this.receive(session, delivery),
      { noAck: false },
    );
    session.consumerTag = consumerTag;
    this.session = session;
    if (this.stopping) {
      await consumer.cancel(consumerTag);
      return;
    }
    this.state = 'consuming';
    this.logger.info('consuming from RabbitMQ', {
      queue: this.topology.queue,
      exchanges: this.topology.exchanges,
      routingKey: this.topology.routingKey,
      prefetch: this.config.BRIDGE_PREFETCH,
    });
  }

  /**
   * A 406 is a configuration problem that reconnecting alone does not solve: it is logged as an error
   * naming the property and the setting, and /health shows it, on every attempt until someone fixes it
   * (the reconnection keeps trying, so deleting the stale queue or changing the publishers is enough).
   */
  private async declare(channel: ConfirmChannel): Promise<void> {
    try {
      await declareTopology(channel, this.topology);
      this.topologyMismatch = undefined;
    } catch (error) {
      this.topologyMismatch = topologyMismatchOf(error, this.topology);
      if (this.topologyMismatch) {
        const { kind, name, property, declared, existing, setting, advice } = this.topologyMismatch;
        this.logger.error(
          `RabbitMQ refused to declare ${kind} '${name}': its ${property} is ${existing}, the bridge declares ${declared}; ${advice}`,
          { kind, name, property, declared, existing, setting },
        );
      }
      throw error;
    }
  }

  private receive(session: Session, delivery: ConsumeMessage | null): void {
    if (delivery === null) {
      this.logger.warn('RabbitMQ cancelled the consumer (queue deleted?); reconnecting', {
        queue: this.topology.queue,
      });
      this.endSession(session);
      return;
    }
    this.counters.inFlight++;
    this.counters.maxInFlight = Math.max(this.counters.maxInFlight, this.counters.inFlight);

    const conversion = toOutgoingMessage(
      delivery.content,
      {
        exchange: delivery.fields.exchange,
        routingKey: delivery.fields.routingKey,
        messageId:
          typeof delivery.properties.messageId === 'string' ? delivery.properties.messageId : undefined,
        timestamp:
          typeof delivery.properties.timestamp === 'number' ? delivery.properties.timestamp : undefined,
      },
      this.config.BRIDGE_MAX_MESSAGE_BYTES,
    );
    if (!conversion.ok) {
      this.run(this.deadLetter(session, delivery, conversion.reason));
      return;
    }
    const pending = { session, delivery, message: conversion.message, bytes: conversion.message.bytes };
    for (const batch of this.batch.add(pending)) this.run(this.forward(batch));
    this.scheduleLinger();
  }

  private scheduleLinger(): void {
    if (this.batch.length === 0) {
      clearTimeout(this.linger);
      this.linger = undefined;
    } else if (!this.linger) {
      this.linger = setTimeout(() => {
        this.linger = undefined;
        this.flush();
      }, this.config.BRIDGE_LINGER_MS);
    }
  }

  private flush(): void {
    clearTimeout(this.linger);
    this.linger = undefined;
    const batch = this.batch.take();
    if (batch.length > 0) this.run(this.forward(batch));
  }

  private async forward(batch: Pending[]): Promise<void> {
    const live = batch.filter((pending) => pending.session.open);
    this.settle(batch.length - live.length);
    if (live.length === 0) return;

    const sessions = new Set(live.map((pending) => pending.session.abort.signal));
    const sending = linkSignals([...sessions, this.shutdown.signal]);
    const result = await this.sender.send(live, sending.signal).finally(() => sending.dispose());

    for (const pending of result.accepted) this.settleWith(pending, 'ack');
    this.counters.forwarded += result.accepted.length;
    for (const { item, reason } of result.refused)
      this.run(this.deadLetter(item.session, item.delivery, reason));

    const requeued = result.unsent.filter(({ item }) => item.session.open);
    if (requeued.length > 0) {
      this.logger.warn('SQS did not accept messages; handing them back to RabbitMQ', {
        messages: requeued.length,
        reason: requeued[0]?.reason,
      });
    }
    this.counters.failed += requeued.length;
    for (const { item } of result.unsent) this.settleWith(item, 'requeue');
  }

  private async deadLetter(session: Session, delivery: ConsumeMessage, reason: string): Promise<void> {
    const { exchange, routingKey } = delivery.fields;
    this.logger.error('notification dead-lettered: SQS can never accept it', {
      reason,
      exchange,
      routingKey,
      amqpMessageId: delivery.properties.messageId,
      bytes: delivery.content.length,
      deadLetterQueue: this.topology.deadLetterQueue,
    });
    const pending = { session, delivery };
    try {
      await deadLetter(session.publisher, this.topology.deadLetterQueue, delivery, reason);
      this.counters.deadLettered++;
      this.settleWith(pending, 'ack');
    } catch (error) {
      this.logger.error('could not dead-letter the notification; handing it back to RabbitMQ', {
        error: errorMessage(error),
      });
      this.settleWith(pending, 'requeue');
    }
  }

  /** Acknowledges or requeues on the channel that delivered it; a closed channel already gave it back. */
  private settleWith(
    { session, delivery }: { session: Session; delivery: ConsumeMessage },
    outcome: 'ack' | 'requeue',
  ): void {
    this.settle(1);
    if (!session.open) return;
    try {
      if (outcome === 'ack') session.consumer.ack(delivery);
      else session.consumer.nack(delivery, false, true);
    } catch (error) {
      this.logger.debug('channel closed before settling; RabbitMQ redelivers the message', {
        error: errorMessage(error),
      });
    }
  }

  private settle(messages: number): void {
    this.counters.inFlight -= messages;
  }

  private endSession(session: Session): void {
    if (!session.open) return;
    session.open = false;
    session.abort.abort();
    this.settle(this.batch.remove((pending) => pending.session === session).length);
    this.scheduleLinger();
    if (this.session === session) this.session = undefined;
    if (this.stopping) return;
    this.state = 'reconnecting';
    // When only a channel was lost the connection is still up; closing it makes the recovery reconnect.
    session.model.close().catch(() => undefined);
  }

  private run(task: Promise<void>): void {
    const tracked = task
      .catch((error: unknown) => this.logger.error('bridge task failed', { error: errorMessage(error) }))
      .finally(() => this.work.delete(tracked));
    this.work.add(tracked);
  }

  private async settled(): Promise<void> {
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
  }
}

/** Waits for `task`, but not past `deadline` (epoch ms). */
async function until(deadline: number, task: Promise<unknown> | undefined): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
  });
  await Promise.race([task, timeout]);
  clearTimeout(timer);
}

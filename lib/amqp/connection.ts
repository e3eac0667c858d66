import type { Logger } from '@aws-lambda-powertools/logger';
import { type ChannelModel, connect, type RecoveringChannelModel } from 'amqplib';

export interface RecoveringConnectionOptions {
  url: string;
  /** Shown by RabbitMQ as the connection's user-provided name. */
  name: string;
  minDelayMs: number;
  maxDelayMs: number;
  logger: Logger;
  /** Runs on every (re)connection before it counts as up: declare the topology, open channels, consume. */
  setup: (model: ChannelModel) => Promise<void>;
}

/**
 * A RabbitMQ connection that reconnects by itself, forever, with exponential backoff and jitter (amqplib's
 * recovery), re-running `setup` each time. It resolves at once: the first connection is attempted in the
 * background, so a broker that is down at start-up is waited for, not fatal.
 *
 * amqplib emits 'error' (e.g. ECONNRESET, or CONNECTION_FORCED) before 'close'; an emitter without an
 * 'error' listener throws, which would kill the process. Every emitter gets one: the recovering wrapper
 * here, each underlying connection as soon as `setup` sees it, each channel through `guardChannel`.
 */
export async function openRecoveringConnection(
  options: RecoveringConnectionOptions,
): Promise<RecoveringChannelModel> {
  const { logger } = options;
  const connection = await connect(options.url, {
    clientProperties: { connection_name: options.name },
    recovery: {
      initialDelay: options.minDelayMs,
      maxDelay: options.maxDelayMs,
      maxRetries: Number.POSITIVE_INFINITY,
      waitForConnect: false,
      setup: async (model: ChannelModel) => {
        // Once set up, the wrapper re-emits this connection's errors (logged below); until then, only this.
        guardEmitter(model, logger, 'RabbitMQ connection (underlying)', 'debug');
        await options.setup(model);
      },
    },
  });
  guardEmitter(connection, logger, 'RabbitMQ connection');
  connection.on('connect-failed', (error: Error) =>
    logger.warn('RabbitMQ connection attempt failed', { error: error.message }),
  );
  connection.on('reconnect-scheduled', ({ attempt, delay }: { attempt: number; delay: number }) =>
    logger.info('reconnecting to RabbitMQ', { attempt, delayMs: delay }),
  );
  connection.on('disconnect', (error: Error) =>
    logger.warn('disconnected from RabbitMQ', { error: error.message }),
  );
  connection.on('blocked', (reason: string) => logger.warn('RabbitMQ blocked the connection', { reason }));
  connection.on('unblocked', () => logger.info('RabbitMQ unblocked the connection'));
  return connection;
}

interface Emitter {
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'handler-error', listener: (error: Error, eventName: string) => void): unknown;
}

/** Logs what amqplib reports instead of letting an unhandled 'error' event crash the process. */
export function guardEmitter(
  emitter: Emitter,
  logger: Logger,
  what: string,
  level: 'warn' | 'debug' = 'warn',
): void {
  emitter.on('error', (error) => logger[level](`${what} error`, { error: error.message }));
  emitter.on('handler-error', (error, eventName) =>
    logger.error(`${what} event handler threw`, { eventName, error: error.message }),
  );
}

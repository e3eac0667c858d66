import type { ConfirmChannel, Message, Options } from 'amqplib';

/** Headers added to a dead-lettered message, so an operator sees why and where it came from. */
export const DEAD_LETTER_HEADERS = {
  reason: 'x-almanach-reason',
  exchange: 'x-almanach-exchange',
  routingKey: 'x-almanach-routing-key',
} as const;

/**
 * Copies a message that can never be forwarded into the dead-letter queue and resolves once RabbitMQ
 * confirmed it (persistent, through the default exchange): only then may the original be acknowledged.
 * An explicit publish rather than a reject to a dead-letter exchange, so that the reason travels with the
 * message and an existing queue needs no `x-dead-letter-exchange` argument (which cannot be changed).
 */
export function deadLetter(
  channel: ConfirmChannel,
  queue: string,
  message: Message,
  reason: string,
): Promise<void> {
  const { properties, fields } = message;
  const options: Options.Publish = {
    persistent: true,
    contentType: properties.contentType,
    contentEncoding: properties.contentEncoding,
    correlationId: properties.correlationId,
    messageId: properties.messageId,
    timestamp: properties.timestamp,
    type: properties.type,
    appId: properties.appId,
    // Not `expiration` (the copy must not expire) nor `userId` (RabbitMQ checks it against our user).
    headers: {
      ...properties.headers,
      [DEAD_LETTER_HEADERS.reason]: reason,
      [DEAD_LETTER_HEADERS.exchange]: fields.exchange,
      [DEAD_LETTER_HEADERS.routingKey]: fields.routingKey,
    },
  };
  return new Promise((resolve, reject) => {
    channel.sendToQueue(queue, message.content, options, (error: unknown) => {
      if (error)
        reject(error instanceof Error ? error : new Error(`RabbitMQ refused the message: ${String(error)}`));
      else resolve();
    });
  });
}

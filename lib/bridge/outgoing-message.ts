import type { MessageAttributeValue } from '@aws-sdk/client-sqs';

/** The AMQP metadata that travels with a notification, as SQS message attributes. */
export interface AmqpMetadata {
  exchange: string;
  routingKey: string;
  messageId?: string | undefined;
  /** AMQP `timestamp` property: seconds since the epoch. */
  timestamp?: number | undefined;
}

export const ATTRIBUTE_NAMES = {
  exchange: 'amqp.exchange',
  routingKey: 'amqp.routing_key',
  messageId: 'amqp.message_id',
  timestamp: 'amqp.timestamp',
} as const;

/** An SQS message ready to be batched: the RabbitMQ body unchanged, and its size as SQS counts it. */
export interface OutgoingMessage {
  body: string;
  attributes: Record<string, MessageAttributeValue>;
  bytes: number;
}

export type Conversion = { ok: true; message: OutgoingMessage } | { ok: false; reason: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Everything outside the characters SQS accepts in a message (#x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000+). */
const FORBIDDEN_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/**
 * SQS stores strings, so a body is forwarded as the exact text RabbitMQ carried. What SQS could never
 * accept (not UTF-8, a forbidden character, over the size limit) is refused here with a reason, to be
 * dead-lettered rather than retried forever.
 */
export function toOutgoingMessage(content: Uint8Array, metadata: AmqpMetadata, maxBytes: number): Conversion {
  let body: string;
  try {
    body = utf8.decode(content);
  } catch {
    return { ok: false, reason: 'body is not valid UTF-8, which SQS cannot carry unchanged' };
  }
  const forbidden = FORBIDDEN_CHARACTER.exec(body);
  if (forbidden) {
    const codePoint = forbidden[0].codePointAt(0) ?? 0;
    return {
      ok: false,
      reason: `body contains U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}, which SQS does not accept`,
    };
  }
  const attributes = messageAttributes(metadata);
  const bytes = sqsMessageBytes(body, attributes);
  if (bytes > maxBytes) {
    return {
      ok: false,
      reason: `message is ${bytes} bytes with its attributes; SQS accepts at most ${maxBytes}`,
    };
  }
  return { ok: true, message: { body, attributes, bytes } };
}

/** Empty or unacceptable values are left out: SQS refuses an attribute without a value. */
export function messageAttributes(metadata: AmqpMetadata): Record<string, MessageAttributeValue> {
  const attributes: Record<string, MessageAttributeValue> = {};
  const put = (name: string, DataType: 'String' | 'Number', value: string | undefined) => {
    if (value && !FORBIDDEN_CHARACTER.test(value)) attributes[name] = { DataType, StringValue: value };
  };
  put(ATTRIBUTE_NAMES.exchange, 'String', metadata.exchange);
  put(ATTRIBUTE_NAMES.routingKey, 'String', metadata.routingKey);
  put(ATTRIBUTE_NAMES.messageId, 'String', metadata.messageId);
  const { timestamp } = metadata;
  put(ATTRIBUTE_NAMES.timestamp, 'Number', Number.isFinite(timestamp) ? String(timestamp) : undefined);
  return attributes;
}

/** SQS's own rule: the body plus, for every attribute, its name, data type and value, in UTF-8 bytes. */
export function sqsMessageBytes(body: string, attributes: Record<string, MessageAttributeValue>): number {
  let bytes = Buffer.byteLength(body, 'utf8');
  for (const [name, value] of Object.entries(attributes)) {
    bytes += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value.DataType ?? '', 'utf8');
    bytes += Buffer.byteLength(value.StringValue ?? '', 'utf8');
  }
  return bytes;
}

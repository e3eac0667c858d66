import { describe, expect, it } from 'vitest';
import {
  ATTRIBUTE_NAMES,
  messageAttributes,
  sqsMessageBytes,
  toOutgoingMessage,
} from '#bridge/outgoing-message';
import { instanceCreated } from '#dev/simulator/nova';
import { rabbitBody } from '#dev/simulator/oslo-envelope';

const metadata = { exchange: 'nova', routingKey: 'almanach.info' };
const LIMIT = 262_144;

describe('turning a RabbitMQ message into an SQS message', () => {
  it('keeps the body exactly as RabbitMQ carried it', () => {
    const body = rabbitBody(instanceCreated({ payload: { display_name: 'serveur-été-🚀' } }));

    const conversion = toOutgoingMessage(Buffer.from(body), metadata, LIMIT);

    expect(conversion).toMatchObject({ ok: true, message: { body } });
  });

  it('maps the exchange, routing key, message id and timestamp to message attributes', () => {
    expect(messageAttributes({ ...metadata, messageId: 'abc', timestamp: 1_700_000_000 })).toEqual({
      [ATTRIBUTE_NAMES.exchange]: { DataType: 'String', StringValue: 'nova' },
      [ATTRIBUTE_NAMES.routingKey]: { DataType: 'String', StringValue: 'almanach.info' },
      [ATTRIBUTE_NAMES.messageId]: { DataType: 'String', StringValue: 'abc' },
      [ATTRIBUTE_NAMES.timestamp]: { DataType: 'Number', StringValue: '1700000000' },
    });
  });

  it('leaves out the attributes a message does not have, since SQS refuses empty values', () => {
    expect(Object.keys(messageAttributes({ exchange: '', routingKey: 'almanach.info' }))).toEqual([
      ATTRIBUTE_NAMES.routingKey,
    ]);
  });

  it('counts the size as SQS does: body plus attribute names, types and values, in UTF-8 bytes', () => {
    const attributes = { 'amqp.exchange': { DataType: 'String', StringValue: 'nova' } };

    expect(sqsMessageBytes('é', attributes)).toBe(
      2 + 'amqp.exchange'.length + 'String'.length + 'nova'.length,
    );
  });

  it('accepts a message of exactly the size limit, attributes included', () => {
    const overhead = sqsMessageBytes('', messageAttributes(metadata));

    const conversion = toOutgoingMessage(Buffer.from('x'.repeat(LIMIT - overhead)), metadata, LIMIT);

    expect(conversion).toMatchObject({ ok: true, message: { bytes: LIMIT } });
  });

  it('refuses a message one byte over the limit, saying why', () => {
    const overhead = sqsMessageBytes('', messageAttributes(metadata));

    const conversion = toOutgoingMessage(Buffer.from('x'.repeat(LIMIT - overhead + 1)), metadata, LIMIT);

    expect(conversion).toEqual({
      ok: false,
      reason: `message is ${LIMIT + 1} bytes with its attributes; SQS accepts at most ${LIMIT}`,
    });
  });

  it('refuses a body that is not UTF-8, which could not be forwarded unchanged', () => {
    const conversion = toOutgoingMessage(Buffer.from([0x7b, 0xff, 0x7d]), metadata, LIMIT);

    expect(conversion).toMatchObject({ ok: false, reason: expect.stringMatching(/not valid UTF-8/) });
  });

  it('refuses a body with a character SQS does not accept, naming it', () => {
    const conversion = toOutgoingMessage(Buffer.from('{"a":"\u0001"}'), metadata, LIMIT);

    expect(conversion).toMatchObject({ ok: false, reason: expect.stringMatching(/U\+0001/) });
  });
});

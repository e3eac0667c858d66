import { describe, expect, it } from 'vitest';
import { exchangeOptions, queueOptions, type Topology, topologyMismatchOf } from '#amqp/topology';

const topology: Topology = {
  exchanges: ['nova', 'cinder'],
  durable: false,
  quorum: false,
  queue: 'almanach.info',
  routingKey: 'almanach.info',
  deadLetterQueue: 'almanach.info.dead-letter',
};

/** What amqplib rejects with when RabbitMQ refuses a declaration (messages as RabbitMQ 3.10 words them). */
function refused(detail: string): Error {
  return Object.assign(
    new Error(
      `Operation failed: QueueDeclare; 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - ${detail}"`,
    ),
    { code: 406 },
  );
}

describe("the declarations, as oslo.messaging's Notifier makes them", () => {
  it('declares a non-durable queue and exchanges by default (amqp_durable_queues = False)', () => {
    expect(queueOptions(topology)).toEqual({ durable: false, autoDelete: false, arguments: {} });
    expect(exchangeOptions(topology)).toEqual({ durable: false, autoDelete: false });
  });

  it('declares both durable with amqp_durable_queues = True', () => {
    expect(queueOptions({ durable: true, quorum: false }).durable).toBe(true);
    expect(exchangeOptions({ durable: true, quorum: false }).durable).toBe(true);
  });

  it('declares a durable quorum queue, and durable exchanges, with rabbit_quorum_queue = True', () => {
    expect(queueOptions({ durable: false, quorum: true })).toEqual({
      durable: true,
      autoDelete: false,
      arguments: { 'x-queue-type': 'quorum' },
    });
    expect(exchangeOptions({ durable: false, quorum: true }).durable).toBe(true);
  });
});

describe('a declaration RabbitMQ refused', () => {
  it('names the queue, the property, both values and the setting when durability differs', () => {
    const error = refused(
      "inequivalent arg 'durable' for queue 'almanach.info' in vhost '/': received 'false' but current is 'true'",
    );
    expect(topologyMismatchOf(error, topology)).toEqual({
      kind: 'queue',
      name: 'almanach.info',
      property: 'durable',
      declared: "'false'",
      existing: "'true'",
      setting: 'BRIDGE_AMQP_DURABLE_QUEUES',
      advice: expect.stringMatching(/^set BRIDGE_AMQP_DURABLE_QUEUES=true to match .*amqp_durable_queues/),
    });
  });

  it('points at the quorum setting when the queue type differs', () => {
    const error = refused(
      "inequivalent arg 'x-queue-type' for queue 'almanach.info' in vhost '/': received none but current is the value 'quorum' of type 'longstr'",
    );
    expect(topologyMismatchOf(error, topology)).toMatchObject({
      property: 'x-queue-type',
      setting: 'BRIDGE_RABBIT_QUORUM_QUEUE',
      advice: expect.stringMatching(/^set BRIDGE_RABBIT_QUORUM_QUEUE=true/),
    });
  });

  it('asks to turn quorum off when a quorum bridge meets a non-durable queue', () => {
    const error = refused(
      "inequivalent arg 'durable' for queue 'almanach.info' in vhost '/': received 'true' but current is 'false'",
    );
    expect(topologyMismatchOf(error, { ...topology, quorum: true })).toMatchObject({
      setting: 'BRIDGE_RABBIT_QUORUM_QUEUE',
      advice: expect.stringContaining('BRIDGE_RABBIT_QUORUM_QUEUE=false'),
    });
  });

  it('names an exchange whose type differs, with no setting to blame', () => {
    const error = refused(
      "inequivalent arg 'type' for exchange 'nova' in vhost '/': received 'topic' but current is 'direct'",
    );
    expect(topologyMismatchOf(error, topology)).toMatchObject({
      kind: 'exchange',
      name: 'nova',
      property: 'type',
      setting: undefined,
    });
  });

  it('is not a mismatch when the error is anything else', () => {
    expect(topologyMismatchOf(new Error('Socket closed abruptly'), topology)).toBeUndefined();
    expect(
      topologyMismatchOf(Object.assign(new Error('ACCESS_REFUSED'), { code: 403 }), topology),
    ).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { bridgeConfigSchema } from '#config/bridge-schema';
import { ConfigError, loadConfig } from '#config/schema';

const required = { INGEST_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/almanach-ingest' };

describe('the bridge configuration', () => {
  it("defaults to oslo.messaging's notification topology on the local RabbitMQ", () => {
    expect(loadConfig(bridgeConfigSchema, required)).toMatchObject({
      RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1:5672',
      BRIDGE_EXCHANGES: ['nova', 'cinder'],
      BRIDGE_QUEUE: 'almanach.info',
      BRIDGE_AMQP_DURABLE_QUEUES: false,
      BRIDGE_RABBIT_QUORUM_QUEUE: false,
      BRIDGE_ROUTING_KEY: 'almanach.info',
      BRIDGE_MAX_MESSAGE_BYTES: 262_144,
    });
  });

  it('reads a comma-separated list of exchanges, ignoring blanks', () => {
    const config = loadConfig(bridgeConfigSchema, {
      ...required,
      BRIDGE_EXCHANGES: ' nova, ,cinder,glance ',
    });

    expect(config.BRIDGE_EXCHANGES).toEqual(['nova', 'cinder', 'glance']);
  });

  it('names every invalid variable', () => {
    const load = () => loadConfig(bridgeConfigSchema, { BRIDGE_PREFETCH: '0', BRIDGE_EXCHANGES: ',' });

    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/BRIDGE_EXCHANGES.*BRIDGE_PREFETCH.*INGEST_QUEUE_URL/);
  });

  it('describes every variable, for the generated configuration table', () => {
    const undocumented = Object.entries(bridgeConfigSchema.shape)
      .filter(([, schema]) => !schema.description)
      .map(([name]) => name);

    expect(undocumented).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import {
  connectionBudget,
  InvalidContextError,
  parseInfraContext,
  resolveStageContext,
} from '../../infra/context.ts';
import { buildTestApp } from './build-test-app.ts';

const contextOf = (values: Record<string, unknown>) => (key: string) => values[key];

describe('the CDK context', () => {
  it("defaults to a dev stage with the bridge on oslo.messaging's default topology, private access to Atlas and no existing secrets, VPC or alarm address", () => {
    expect(parseInfraContext({})).toMatchObject({
      stage: 'dev',
      bridgeEnabled: true,
      amqpDurableQueues: false,
      rabbitQuorumQueue: false,
      atlasAccess: 'private',
    });
    expect(parseInfraContext({})).not.toHaveProperty('vpcId');
    expect(parseInfraContext({})).not.toHaveProperty('alarmEmail');
  });

  it("caches the authorizer's verdict for 30 s, and never past the 60 s revocation bound", () => {
    expect(parseInfraContext({}).authorizerCacheTtlSeconds).toBe(30);
    expect(parseInfraContext({ authorizerCacheTtlSeconds: '60' }).authorizerCacheTtlSeconds).toBe(60);
    expect(() => parseInfraContext({ authorizerCacheTtlSeconds: '61' })).toThrow(
      /context "authorizerCacheTtlSeconds"/,
    );
  });

  it('takes numbers given as command-line strings', () => {
    expect(parseInfraContext({ ingestBatchSize: '50', natGateways: '2' })).toMatchObject({
      ingestBatchSize: 50,
      natGateways: 2,
    });
  });

  it("applies the chosen stage's section of cdk.json, and -c values over it", () => {
    const read = contextOf({
      stage: 'prod',
      natGateways: '3',
      stages: { prod: { natGateways: 2, atlasMaxConnections: 1500 }, dev: { atlasMaxConnections: 50 } },
    });
    expect(resolveStageContext(read)).toMatchObject({
      stage: 'prod',
      natGateways: 3,
      atlasMaxConnections: 1500,
    });
  });

  it('rejects an unknown key in a stage section, naming it', () => {
    const read = contextOf({ stages: { prod: { natGateway: 2 } } });
    expect(() => resolveStageContext(read)).toThrow(/context "stages\.prod"[^\n]*natGateway/);
  });

  it('rejects a bad value in a stage section, naming the stage and the key', () => {
    const read = contextOf({ stages: { dev: { ingestBatchSize: 0 } } });
    expect(() => resolveStageContext(read)).toThrow(/context "stages\.dev\.ingestBatchSize"/);
  });

  it('counts each instance as its pool plus one monitoring connection per Atlas node', () => {
    const budget = connectionBudget({
      atlasNodes: 3,
      ingestPoolSize: 5,
      apiPoolSize: 2,
      ingestMaximumConcurrency: 10,
      apiReservedConcurrency: 10,
      publicReservedConcurrency: 5,
    });
    expect(budget).toEqual({ ingest: 10 * (5 + 3), api: (10 + 10 + 5) * (2 + 3), total: 205 });
  });

  it('fails when ingest and API together can open more MongoDB connections than atlasMaxConnections', () => {
    expect(() => parseInfraContext({ atlasMaxConnections: '204' })).toThrow(
      /context "atlasMaxConnections": the functions can open 205 MongoDB connections, more than the 204 allowed: ingest 10 × \(5 pooled \+ 3 monitoring\) = 80, API \(2 × 10 \+ 5 public\) × \(2 pooled \+ 3 monitoring\) = 125/,
    );
    expect(parseInfraContext({ atlasMaxConnections: '205' }).atlasMaxConnections).toBe(205);
  });

  it('stops the synthesis when a stage raises the concurrency beyond the connection budget', () => {
    expect(() => buildTestApp({ stage: 'prod', ingestMaximumConcurrency: '160' })).toThrow(
      /context "atlasMaxConnections": the functions can open 1505 MongoDB connections, more than the 1500 allowed/,
    );
  });

  it('requires a batching window of at least a second for batches above 10 notifications', () => {
    expect(() => parseInfraContext({ ingestBatchSize: '100', ingestMaxBatchingWindowSeconds: '0' })).toThrow(
      /context "ingestMaxBatchingWindowSeconds": must be at least 1/,
    );
    expect(parseInfraContext({ ingestBatchSize: '10', ingestMaxBatchingWindowSeconds: '0' })).toMatchObject({
      ingestBatchSize: 10,
    });
  });

  it('refuses an ingest timeout the function would reach before a store call on a hung MongoDB fails', () => {
    expect(() => parseInfraContext({ ingestTimeoutSeconds: '25' })).toThrow(
      /context "ingestTimeoutSeconds": must exceed 25 s/,
    );
    expect(parseInfraContext({ ingestTimeoutSeconds: '26' })).toMatchObject({ ingestTimeoutSeconds: 26 });
  });

  it('refuses PrivateLink with public access to Atlas', () => {
    expect(() =>
      parseInfraContext({
        atlasAccess: 'public',
        atlasPrivateLinkServiceName: 'com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0',
      }),
    ).toThrow(/context "atlasPrivateLinkServiceName": needs atlasAccess=private/);
  });

  it('rejects an atlasAccess that is neither private nor public', () => {
    expect(() => parseInfraContext({ atlasAccess: 'peering' })).toThrow(/context "atlasAccess"/);
  });

  it('rejects a stage that is not lowercase letters, digits and dashes, naming the key', () => {
    expect(() => parseInfraContext({ stage: 'Prod_1' })).toThrow(InvalidContextError);
    expect(() => parseInfraContext({ stage: 'Prod_1' })).toThrow(/context "stage": must be/);
  });

  it('rejects an alarm address that is not an e-mail address, naming the key', () => {
    expect(() => parseInfraContext({ alarmEmail: 'ops-at-example.com' })).toThrow(
      /context "alarmEmail": must be an e-mail address/,
    );
  });

  it('rejects a VPC id that is not one, naming the key', () => {
    expect(() => parseInfraContext({ vpcId: 'default' })).toThrow(/context "vpcId"/);
  });

  it('rejects a secret name Secrets Manager would refuse, naming the key', () => {
    expect(() => parseInfraContext({ mongoUriSecretName: 'almanach uri' })).toThrow(
      /context "mongoUriSecretName"/,
    );
  });

  it('requires a Keystone URL when the authorizer uses Keystone', () => {
    expect(() => parseInfraContext({ authStrategy: 'keystone' })).toThrow(/context "keystoneUrl"/);
  });

  it('reports every bad value at once', () => {
    expect(() => parseInfraContext({ stage: 'PROD', alarmEmail: 'nobody' })).toThrow(
      /"stage"[\s\S]*"alarmEmail"/,
    );
  });

  it.each([[{ bridge: 'false' }], [{ bridge: false }], [{ skipBridge: 'true' }], [{ skipBridge: true }]])(
    'turns the bridge off with %o (command line strings or cdk.json booleans)',
    (context) => {
      expect(parseInfraContext(context).bridgeEnabled).toBe(false);
    },
  );

  it('rejects a bridge flag that is not a boolean', () => {
    expect(() => parseInfraContext({ bridge: 'maybe' })).toThrow(/context "bridge"/);
  });

  it('stops the app from being built with a bad value', () => {
    expect(() => buildTestApp({ stage: 'Prod' })).toThrow(/context "stage"/);
  });
});

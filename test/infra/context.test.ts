import { describe, expect, it } from 'vitest';
import { InvalidContextError, parseInfraContext } from '../../infra/context.ts';
import { buildTestApp } from './build-test-app.ts';

describe('the CDK context', () => {
  it("defaults to a dev stage with the bridge on oslo.messaging's default topology and no existing secrets, VPC or alarm address", () => {
    expect(parseInfraContext({})).toEqual({
      stage: 'dev',
      bridgeEnabled: true,
      amqpDurableQueues: false,
      rabbitQuorumQueue: false,
    });
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

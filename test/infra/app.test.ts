import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildTestApp } from './build-test-app.ts';

const stackNames = (context: Record<string, unknown> = {}) =>
  buildTestApp(context)
    .app.node.children.map((child) => child.node.id)
    .sort();

describe('the CDK app', () => {
  it('deploys data, ingest, API, bridge and observability stacks named after the stage', () => {
    expect(stackNames({ stage: 'prod' })).toEqual([
      'Almanach-prod-Api',
      'Almanach-prod-Bridge',
      'Almanach-prod-Data',
      'Almanach-prod-Ingest',
      'Almanach-prod-Observability',
    ]);
  });

  it('synthesizes with no context at all, as a dev stage', () => {
    expect(stackNames()).toContain('Almanach-dev-Bridge');
  });

  it.each([{ bridge: 'false' }, { skipBridge: 'true' }])('leaves the bridge stack out with %o', (context) => {
    expect(stackNames(context)).not.toContain('Almanach-dev-Bridge');
    expect(stackNames(context)).toHaveLength(4);
  });

  it('creates no RabbitMQ secret and no bridge alarm when the bridge runs elsewhere', () => {
    const { data, observability } = buildTestApp({ bridge: 'false' });
    expect(data.rabbitMqUrlSecret).toBeUndefined();
    Template.fromStack(data).resourceCountIs('AWS::SecretsManager::Secret', 2);
    Template.fromStack(observability).resourceCountIs('AWS::CloudWatch::Alarm', 4);
  });
});

import { Aspects } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AlmanachApp } from '../../infra/app.ts';
import { buildTestApp } from './build-test-app.ts';

const STACKS = ['data', 'ingest', 'api', 'bridge', 'observability'] as const;
const awsSolutions = Match.stringLikeRegexp('AwsSolutions-.*');

const deployments: Record<string, Record<string, unknown>> = {
  'with no context (created secrets and VPC)': {},
  'with existing secrets and an alarm address': {
    stage: 'prod',
    mongoUriSecretName: 'almanach/prod/mongodb-uri',
    authTokenSecretName: 'almanach/prod/api-key',
    rabbitmqUrlSecretName: 'almanach/prod/rabbitmq-url',
    alarmEmail: 'ops@example.com',
  },
};

describe.each(Object.entries(deployments))('cdk-nag AWS Solutions checks, %s', (_, context) => {
  let built: AlmanachApp;
  const annotations = new Map<string, Annotations>();

  beforeAll(() => {
    built = buildTestApp(context);
    for (const name of STACKS) {
      const stack = built[name];
      // Each Annotations.fromStack synthesizes the whole app: once per stack, not once per assertion.
      if (stack) annotations.set(name, Annotations.fromStack(stack));
    }
  });

  it('runs on every stack of the app', () => {
    expect(Aspects.of(built.app).all.some((aspect) => aspect instanceof AwsSolutionsChecks)).toBe(true);
    expect([...annotations.keys()]).toEqual([...STACKS]);
  });

  it.each(STACKS)('finds no unsuppressed error in the %s stack', (name) => {
    expect(annotations.get(name)?.findError('*', awsSolutions)).toEqual([]);
  });

  it.each(STACKS)('finds no unsuppressed warning in the %s stack', (name) => {
    expect(annotations.get(name)?.findWarning('*', awsSolutions)).toEqual([]);
  });
});

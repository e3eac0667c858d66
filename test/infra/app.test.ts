import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AlmanachApp } from '../../infra/app.ts';
import { buildTestApp } from './build-test-app.ts';
import { resourcesOf } from './template-resources.ts';

const functionSchema = z.object({
  LoggingConfig: z.object({ LogGroup: z.object({ Ref: z.string() }) }),
  Role: z.object({ 'Fn::GetAtt': z.tuple([z.string(), z.literal('Arn')]) }),
});
const policySchema = z.object({
  Roles: z.array(z.object({ Ref: z.string() })),
  PolicyDocument: z.object({
    Statement: z.array(z.object({ Action: z.unknown(), Resource: z.unknown() })),
  }),
});

const STACKS = ['data', 'network', 'ingest', 'api', 'bridge', 'observability'] as const;

const stackNames = (context: Record<string, unknown> = {}) =>
  buildTestApp(context)
    .app.node.children.map((child) => child.node.id)
    .sort();
const templatesOf = (built: AlmanachApp): Template[] =>
  STACKS.flatMap((name) => {
    const stack = built[name];
    return stack ? [Template.fromStack(stack)] : [];
  });

describe('the CDK app', () => {
  it('deploys data, network, ingest, API, bridge and observability stacks named after the stage', () => {
    expect(stackNames({ stage: 'prod' })).toEqual([
      'Almanach-prod-Api',
      'Almanach-prod-Bridge',
      'Almanach-prod-Data',
      'Almanach-prod-Ingest',
      'Almanach-prod-Network',
      'Almanach-prod-Observability',
    ]);
  });

  it('synthesizes with no context at all, as a dev stage', () => {
    expect(stackNames()).toContain('Almanach-dev-Bridge');
  });

  it.each([{ bridge: 'false' }, { skipBridge: 'true' }])('leaves the bridge stack out with %o', (context) => {
    expect(stackNames(context)).not.toContain('Almanach-dev-Bridge');
    expect(stackNames(context)).toHaveLength(5);
  });

  it('creates no RabbitMQ secret and no bridge alarm when the bridge runs elsewhere', () => {
    const { data, observability } = buildTestApp({ bridge: 'false' });
    expect(data.rabbitMqUrlSecret).toBeUndefined();
    const alarms = Template.fromStack(observability);
    expect(JSON.stringify(alarms.findResources('AWS::CloudWatch::Alarm'))).not.toMatch(/Bridge/);
    alarms.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 0);
  });
});

describe('the resources of the app', () => {
  let built: AlmanachApp;
  let templates: Template[];
  beforeAll(() => {
    built = buildTestApp({ stage: 'prod', costCenter: 'billing-42' });
    templates = templatesOf(built);
  });

  it('tags every taggable resource with service, stage and costCenter', () => {
    const tagged = templates.flatMap((template) =>
      Object.values(template.toJSON().Resources as Record<string, { Properties?: { Tags?: unknown } }>)
        .map((resource) => resource.Properties?.Tags)
        .filter((tags) => tags !== undefined),
    );
    expect(tagged.length).toBeGreaterThan(20);
    for (const tags of tagged) {
      // Most resources take a list of {Key, Value}; a few (HTTP API, SSM-style) take a map.
      const asMap = Array.isArray(tags)
        ? Object.fromEntries(tags.map((tag: { Key: string; Value: unknown }) => [tag.Key, tag.Value]))
        : tags;
      expect(asMap).toMatchObject({ service: 'almanach', stage: 'prod', costCenter: 'billing-42' });
    }
  });

  it('adds no costCenter tag when none is given', () => {
    const json = JSON.stringify(Template.fromStack(buildTestApp().ingest).toJSON());
    expect(json).toContain('"Key":"service"');
    expect(json).not.toContain('costCenter');
  });

  it('lets each Almanach function write to its own log group only, with no AWS-managed policy on its role', () => {
    for (const template of [Template.fromStack(built.ingest), Template.fromStack(built.api)]) {
      for (const role of resourcesOf(template, 'AWS::IAM::Role')) {
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      }
      const policies = resourcesOf(template, 'AWS::IAM::Policy').map((policy) =>
        policySchema.parse(policy.Properties),
      );
      for (const fn of resourcesOf(template, 'AWS::Lambda::Function').map((f) =>
        functionSchema.parse(f.Properties),
      )) {
        const logGroup = fn.LoggingConfig.LogGroup.Ref;
        const [roleId] = fn.Role['Fn::GetAtt'];
        const policy = policies.find((candidate) => candidate.Roles.some((role) => role.Ref === roleId));
        const logStatements = (policy?.PolicyDocument.Statement ?? []).filter((statement) =>
          JSON.stringify(statement.Action).includes('logs:'),
        );
        expect(logStatements).toEqual([
          expect.objectContaining({
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: [{ 'Fn::GetAtt': [logGroup, 'Arn'] }, expect.anything()],
          }),
        ]);
        // The second resource is the group's ARN without its trailing `:*`, also of this group only.
        expect(JSON.stringify(logStatements[0]?.Resource)).toMatch(
          new RegExp(`:log-group:",\\{"Ref":"${logGroup}"\\}\\]`),
        );
      }
    }
  });

  it('nowhere grants AWSLambdaBasicExecutionRole to an Almanach function', () => {
    for (const stack of [built.ingest, built.api]) {
      expect(JSON.stringify(Template.fromStack(stack).toJSON())).not.toContain('AWSLambdaBasicExecutionRole');
    }
  });
});

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AssetManifestArtifact } from 'aws-cdk-lib/cx-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildTestApp } from './build-test-app.ts';
import { resourceNamed, resourcesOf } from './template-resources.ts';

let template: Template;
let imageSources: { directory?: string; dockerFile?: string; platform?: string }[];
let assemblyDirectory: string;

beforeAll(() => {
  const { app, bridge } = buildTestApp();
  if (!bridge) throw new Error('the default app has a bridge stack');
  template = Template.fromStack(bridge);
  const assembly = app.synth();
  assemblyDirectory = assembly.directory;
  const assets = assembly.artifacts
    .filter((artifact) => artifact instanceof AssetManifestArtifact)
    .filter((artifact) => artifact.id.startsWith(bridge.artifactId));
  imageSources = assets.flatMap((asset) =>
    Object.values(asset.contents.dockerImages ?? {}).map((image) => image.source),
  );
});

const containerSchema = z.object({
  Environment: z.array(z.object({ Name: z.string(), Value: z.unknown() })).default([]),
  Secrets: z.array(z.object({ Name: z.string(), ValueFrom: z.unknown() })).default([]),
  HealthCheck: z.object({ Command: z.array(z.string()) }),
  StopTimeout: z.number(),
});
const container = () => {
  const [taskDefinition, ...others] = Object.values(template.findResources('AWS::ECS::TaskDefinition'));
  expect(others).toHaveLength(0);
  const [definition] = z
    .array(containerSchema)
    .length(1)
    .parse(taskDefinition?.Properties.ContainerDefinitions);
  if (!definition) throw new Error('no container definition');
  return definition;
};
const environment = (name: string) =>
  container().Environment.find((variable) => variable.Name === name)?.Value;

describe('the bridge stack', () => {
  it('runs one bridge task on Fargate (arm64), rolled back when a deployment never gets healthy', () => {
    template.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      DesiredCount: 1,
      DeploymentConfiguration: Match.objectLike({
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
        MinimumHealthyPercent: 100,
      }),
    });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
    });
  });

  it('builds the image from infra/bridge/Dockerfile for arm64', () => {
    expect(imageSources).toEqual([
      expect.objectContaining({ dockerFile: 'infra/bridge/Dockerfile', platform: 'linux/arm64' }),
    ]);
  });

  it('builds the image from the Dockerfile and its inputs only, so other changes do not restart the bridge', () => {
    const context = imageSources[0]?.directory ?? '';
    expect(readdirSync(join(assemblyDirectory, context)).sort()).toEqual([
      '.dockerignore',
      'functions',
      'infra',
      'lib',
      'package-lock.json',
      'package.json',
      'tsconfig.json',
    ]);
    expect(readdirSync(join(assemblyDirectory, context, 'infra'), { recursive: true })).toEqual([
      'bridge',
      join('bridge', 'Dockerfile'),
    ]);
  });

  it("checks the container's health with the bridge's own GET /health on BRIDGE_HEALTH_PORT", () => {
    const [kind, executable, flag, script] = container().HealthCheck.Command;
    expect([kind, executable, flag]).toEqual(['CMD', 'node', '-e']);
    expect(script).toContain(`fetch('http://127.0.0.1:${environment('BRIDGE_HEALTH_PORT')}/health')`);
    expect(script).toContain('process.exit(r.ok ? 0 : 1)');
  });

  it('gives the bridge longer to stop than it takes to drain (stopTimeout > BRIDGE_SHUTDOWN_TIMEOUT_MS)', () => {
    const drainMs = Number(environment('BRIDGE_SHUTDOWN_TIMEOUT_MS'));
    expect(drainMs).toBeGreaterThan(0);
    expect(container().StopTimeout * 1000).toBeGreaterThan(drainMs);
    expect(container().StopTimeout).toBeLessThanOrEqual(120);
  });

  it('forwards to the ingest queue of the ingest stack', () => {
    expect(JSON.stringify(environment('INGEST_QUEUE_URL'))).toMatch(/Almanach-dev-Ingest:.*IngestQueue/);
  });

  it("declares oslo.messaging's default topology unless the context says what Nova and Cinder use", () => {
    expect([environment('BRIDGE_AMQP_DURABLE_QUEUES'), environment('BRIDGE_RABBIT_QUORUM_QUEUE')]).toEqual([
      'false',
      'false',
    ]);
    const { bridge } = buildTestApp({ amqpDurableQueues: 'true', rabbitQuorumQueue: true });
    if (!bridge) throw new Error('the app has a bridge stack');
    Template.fromStack(bridge).hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          Environment: Match.arrayWith([
            { Name: 'BRIDGE_AMQP_DURABLE_QUEUES', Value: 'true' },
            { Name: 'BRIDGE_RABBIT_QUORUM_QUEUE', Value: 'true' },
          ]),
        }),
      ],
    });
  });

  it('reads the RabbitMQ URL from Secrets Manager as an ECS secret, never from the environment', () => {
    expect(container().Secrets.map((secret) => secret.Name)).toEqual(['RABBITMQ_URL']);
    expect(JSON.stringify(container().Secrets[0]?.ValueFrom)).toMatch(/Almanach-dev-Data:.*RabbitMqUrl/);
    expect(container().Environment.map((variable) => variable.Name)).not.toContain('RABBITMQ_URL');
    expect(JSON.stringify(template.toJSON())).not.toMatch(/amqps?:\/\//);
  });

  it('lets the bridge only send messages to the ingest queue', () => {
    const taskRolePolicies = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([id]) =>
      id.includes('TaskRole'),
    );
    expect(taskRolePolicies).toHaveLength(1);
    expect(taskRolePolicies[0]?.[1].Properties.PolicyDocument.Statement).toEqual([
      {
        Action: 'sqs:SendMessage',
        Effect: 'Allow',
        Resource: { 'Fn::ImportValue': expect.stringMatching(/^Almanach-dev-Ingest:.*IngestQueue.*Arn/) },
      },
    ]);
  });

  it('logs to a log group kept a month', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({ LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }) }),
      ],
    });
  });

  it('enables Container Insights, which the bridge-down alarm reads', () => {
    template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
  });

  it('runs in the private subnets and the security group of the network stack, with no public address', () => {
    template.resourceCountIs('AWS::EC2::VPC', 0);
    const service = resourcesOf(template, 'AWS::ECS::Service')[0]?.Properties;
    expect(service?.NetworkConfiguration).toMatchObject({
      AwsvpcConfiguration: { AssignPublicIp: 'DISABLED' },
    });
    const network = JSON.stringify(service?.NetworkConfiguration);
    expect(network).toMatch(/Almanach-dev-Network:.*PrivateSubnet1/);
    expect(network).toMatch(/Almanach-dev-Network:.*WorkloadSecurityGroup/);
  });

  it('rolls a deployment back when the bridge starts more than once in 5 minutes (a flapping health check)', () => {
    const alarm = resourceNamed(template, 'AWS::CloudWatch::Alarm', 'BridgeRestartsAlarm');
    expect(alarm.Properties).toMatchObject({
      Namespace: 'Almanach',
      MetricName: 'BridgeStarted',
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    template.hasResourceProperties('AWS::ECS::Service', {
      DeploymentConfiguration: Match.objectLike({
        Alarms: { AlarmNames: [{ Ref: alarm.logicalId }], Enable: true, Rollback: true },
      }),
    });
  });
});

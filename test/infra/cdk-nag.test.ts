import { Aspects, CfnResource } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, type INagLogger, type NagLoggerSuppressedData } from 'cdk-nag';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { AlmanachApp } from '../../infra/app.ts';
import { buildTestApp } from './build-test-app.ts';

const STACKS = ['data', 'network', 'ingest', 'api', 'bridge', 'observability'] as const;
const awsSolutions = Match.stringLikeRegexp('AwsSolutions-.*');

const deployments: Record<string, Record<string, unknown>> = {
  'with no context (created secrets and VPC)': {},
  'with existing secrets, an alarm address, PrivateLink and VPC endpoints': {
    stage: 'prod',
    mongoUriSecretName: 'almanach/prod/mongodb-uri',
    authTokenSecretName: 'almanach/prod/api-key',
    rabbitmqUrlSecretName: 'almanach/prod/rabbitmq-url',
    alarmEmail: 'ops@example.com',
    atlasPrivateLinkServiceName: 'com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0',
    vpcEndpoints: 'true',
  },
  'with public access to Atlas and the bridge elsewhere': { atlasAccess: 'public', bridge: 'false' },
};
/** `cdk synth` knows the region (and, with credentials, the account): ARNs then hold literals, not tokens. */
const environments: Record<string, Record<string, string>> = {
  'with no context (created secrets and VPC)': {},
  'with existing secrets, an alarm address, PrivateLink and VPC endpoints': {
    CDK_DEFAULT_ACCOUNT: '123456789012',
    CDK_DEFAULT_REGION: 'eu-west-1',
  },
  'with public access to Atlas and the bridge elsewhere': { CDK_DEFAULT_REGION: 'us-east-1' },
};

/** Every finding cdk-nag suppressed, as it reports them to its loggers. */
class SuppressedFindings implements INagLogger {
  readonly suppressed: NagLoggerSuppressedData[] = [];
  onSuppressed(data: NagLoggerSuppressedData): void {
    this.suppressed.push(data);
  }
  onCompliance(): void {}
  onNonCompliance(): void {}
  onError(): void {}
  onSuppressedError(): void {}
  onNotApplicable(): void {}
}

const suppressionsSchema = z.object({
  rules_to_suppress: z.array(
    z.object({
      id: z.string(),
      reason: z.string(),
      applies_to: z.array(z.union([z.string(), z.object({ regex: z.string() })])).optional(),
    }),
  ),
});

/** Each suppression written in the code, with the resources it was put on (a construct and its children). */
function declaredSuppressions(built: AlmanachApp) {
  const declared = new Map<string, { id: string; appliesTo: string[]; resources: Set<CfnResource> }>();
  for (const resource of built.app.node.findAll().filter((node) => node instanceof CfnResource)) {
    const metadata = resource.getMetadata('cdk_nag');
    if (metadata === undefined) continue;
    for (const rule of suppressionsSchema.parse(metadata).rules_to_suppress) {
      const appliesTo = (rule.applies_to ?? []).map((entry) =>
        typeof entry === 'string' ? entry : entry.regex,
      );
      const key = JSON.stringify([rule.id, rule.reason, appliesTo]);
      const entry = declared.get(key) ?? { id: rule.id, appliesTo, resources: new Set() };
      entry.resources.add(resource);
      declared.set(key, entry);
    }
  }
  return [...declared.values()];
}

const matches = (finding: string, pattern: string) =>
  pattern.startsWith('/')
    ? new RegExp(pattern.slice(1, pattern.lastIndexOf('/'))).test(finding)
    : finding === pattern;

describe.each(Object.entries(deployments))('cdk-nag AWS Solutions checks, %s', (deployment, context) => {
  let built: AlmanachApp;
  const findings = new SuppressedFindings();
  const annotations = new Map<string, Annotations>();

  beforeAll(() => {
    for (const [variable, value] of Object.entries(environments[deployment] ?? {}))
      vi.stubEnv(variable, value);
    built = buildTestApp(context, { nagLoggers: [findings] });
    for (const name of STACKS) {
      const stack = built[name];
      // Each Annotations.fromStack synthesizes the whole app: once per stack, not once per assertion.
      if (stack) annotations.set(name, Annotations.fromStack(stack));
    }
    vi.unstubAllEnvs();
  });

  it('runs on every stack of the app', () => {
    expect(Aspects.of(built.app).all.some((aspect) => aspect instanceof AwsSolutionsChecks)).toBe(true);
    expect([...annotations.keys()]).toEqual(STACKS.filter((name) => built[name]));
  });

  it.each(STACKS)('finds no unsuppressed error in the %s stack', (name) => {
    expect(annotations.get(name)?.findError('*', awsSolutions) ?? []).toEqual([]);
  });

  it.each(STACKS)('finds no unsuppressed warning in the %s stack', (name) => {
    expect(annotations.get(name)?.findWarning('*', awsSolutions) ?? []).toEqual([]);
  });

  it('has no dead suppression: each one silences a finding of its rule (and of each of its appliesTo)', () => {
    const declared = declaredSuppressions(built);
    expect(declared.length).toBeGreaterThan(0);
    const dead = declared.flatMap((suppression) => {
      const silenced = findings.suppressed.filter(
        (finding) => finding.ruleId === suppression.id && suppression.resources.has(finding.resource),
      );
      if (silenced.length === 0) return [`${suppression.id} (never matched)`];
      return suppression.appliesTo
        .filter((pattern) => !silenced.some((finding) => matches(finding.findingId, pattern)))
        .map((pattern) => `${suppression.id} ${pattern}`);
    });
    expect(dead).toEqual([]);
  });
});

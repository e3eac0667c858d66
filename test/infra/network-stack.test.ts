import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AlmanachApp } from '../../infra/app.ts';
import { buildTestApp } from './build-test-app.ts';
import { resourceNamed, resourcesOf } from './template-resources.ts';

const ATLAS_SERVICE = 'com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0';

const networkOf = (built: AlmanachApp): Template => {
  if (!built.network) throw new Error('this app has no network stack');
  return Template.fromStack(built.network);
};
const workloadGroupId = (template: Template) => ({
  'Fn::GetAtt': [
    resourceNamed(template, 'AWS::EC2::SecurityGroup', 'WorkloadSecurityGroup').logicalId,
    'GroupId',
  ],
});

describe('the network stack, by default', () => {
  let template: Template;
  beforeAll(() => {
    template = networkOf(buildTestApp());
  });

  it('creates a VPC of two AZs with private subnets and rejected-traffic flow logs', () => {
    template.resourceCountIs('AWS::EC2::VPC', 1);
    expect(
      resourcesOf(template, 'AWS::EC2::Subnet').filter((s) => s.logicalId.includes('Private')),
    ).toHaveLength(2);
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'REJECT' });
  });

  it('egresses through one NAT gateway whose Elastic IP is allocated apart and output for the Atlas access list', () => {
    const [eip, ...others] = resourcesOf(template, 'AWS::EC2::EIP');
    expect(others).toHaveLength(0);
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.hasResourceProperties('AWS::EC2::NatGateway', {
      AllocationId: { 'Fn::GetAtt': [eip?.logicalId, 'AllocationId'] },
    });
    template.hasOutput('NatPublicIps', { Value: { Ref: eip?.logicalId } });
  });

  it('routes S3 (the bridge image layers) through a free gateway endpoint, and adds no interface endpoint', () => {
    const endpoints = resourcesOf(template, 'AWS::EC2::VPCEndpoint');
    expect(endpoints.map((endpoint) => endpoint.Properties.VpcEndpointType ?? 'Gateway')).toEqual([
      'Gateway',
    ]);
    expect(JSON.stringify(endpoints[0]?.Properties.ServiceName)).toContain('.s3');
  });

  it('gives the functions and the bridge one security group that only reaches out', () => {
    const group = resourceNamed(template, 'AWS::EC2::SecurityGroup', 'WorkloadSecurityGroup').Properties;
    expect(group.SecurityGroupIngress).toBeUndefined();
    expect(group.SecurityGroupEgress).toEqual([
      { CidrIp: '0.0.0.0/0', Description: expect.any(String), IpProtocol: '-1' },
    ]);
  });
});

describe('the network stack, with its options', () => {
  it('creates as many NAT gateways and Elastic IPs as natGateways (2 in the prod stage)', () => {
    const template = networkOf(buildTestApp({ stage: 'prod' }));
    template.resourceCountIs('AWS::EC2::NatGateway', 2);
    const eips = resourcesOf(template, 'AWS::EC2::EIP').map((eip) => ({ Ref: eip.logicalId }));
    expect(eips).toHaveLength(2);
    template.hasOutput('NatPublicIps', { Value: { 'Fn::Join': [',', eips] } });
  });

  it('adds SQS, Secrets Manager and CloudWatch Logs endpoints open to the workloads on 443 with vpcEndpoints', () => {
    const template = networkOf(buildTestApp({ vpcEndpoints: 'true' }));
    const interfaces = resourcesOf(template, 'AWS::EC2::VPCEndpoint').filter(
      (endpoint) => endpoint.Properties.VpcEndpointType === 'Interface',
    );
    expect(
      interfaces
        .map((endpoint) => JSON.stringify(endpoint.Properties.ServiceName).match(/\.(\w+)"/)?.[1])
        .sort(),
    ).toEqual(['logs', 'secretsmanager', 'sqs']);
    for (const endpoint of interfaces) expect(endpoint.Properties.PrivateDnsEnabled).toBe(true);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('ServiceEndpointsSecurityGroup'),
      SecurityGroupIngress: [
        Match.objectLike({
          IpProtocol: 'tcp',
          FromPort: 443,
          ToPort: 443,
          SourceSecurityGroupId: workloadGroupId(template),
        }),
      ],
    });
  });

  it('creates an interface endpoint to the Atlas PrivateLink service, reachable from the workloads only, and outputs its id', () => {
    const template = networkOf(buildTestApp({ atlasPrivateLinkServiceName: ATLAS_SERVICE }));
    const endpoint = resourceNamed(template, 'AWS::EC2::VPCEndpoint', 'AtlasEndpoint');
    expect(endpoint.Properties).toMatchObject({
      ServiceName: ATLAS_SERVICE,
      VpcEndpointType: 'Interface',
      PrivateDnsEnabled: false,
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('AtlasEndpointSecurityGroup'),
      SecurityGroupIngress: [
        Match.objectLike({
          IpProtocol: 'tcp',
          FromPort: 1024,
          ToPort: 65535,
          SourceSecurityGroupId: workloadGroupId(template),
        }),
      ],
    });
    template.hasOutput('AtlasPrivateEndpointId', { Value: { Ref: endpoint.logicalId } });
  });
});

describe('public access to Atlas (atlasAccess=public)', () => {
  it('runs the functions outside any VPC and warns at synth that Atlas must allow 0.0.0.0/0', () => {
    const built = buildTestApp({ atlasAccess: 'public' });
    for (const stack of [built.ingest, built.api]) {
      for (const fn of resourcesOf(Template.fromStack(stack), 'AWS::Lambda::Function')) {
        expect(fn.Properties.VpcConfig).toBeUndefined();
      }
    }
    Annotations.fromStack(built.ingest).hasWarning(
      '*',
      Match.stringLikeRegexp('atlasAccess=public.*0\\.0\\.0\\.0/0'),
    );
  });

  it('has no network stack when the bridge runs elsewhere too', () => {
    const built = buildTestApp({ atlasAccess: 'public', bridge: 'false' });
    expect(built.network).toBeUndefined();
  });

  it('does not warn with the default private access', () => {
    expect(
      Annotations.fromStack(buildTestApp().ingest).findWarning('*', Match.stringLikeRegexp('atlasAccess')),
    ).toEqual([]);
  });
});

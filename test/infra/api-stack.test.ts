import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ROUTES } from '#http/route-table';
import { buildTestApp } from './build-test-app.ts';
import { resourceNamed, resourcesOf } from './template-resources.ts';

let template: Template;

beforeAll(() => {
  template = Template.fromStack(buildTestApp().api);
});

const resources = (type: string) => resourcesOf(template, type);
const functionNamed = (name: string) => resourceNamed(template, 'AWS::Lambda::Function', name).Properties;
const routeKeys = () => resources('AWS::ApiGatewayV2::Route').map((route) => route.Properties.RouteKey);
const routeWithKey = (key: string) =>
  resources('AWS::ApiGatewayV2::Route').find((route) => route.Properties.RouteKey === key);

describe('the API stack', () => {
  it('creates one API Gateway route per route table entry and per unversioned alias', () => {
    const expected = ROUTES.flatMap((route) => route.paths.map((path) => `${route.method} ${path}`));
    expect(routeKeys().sort()).toEqual(expected.sort());
    expect(expected).toHaveLength(ROUTES.length * 2);
  });

  it('puts the Lambda authorizer on every route that needs a token', () => {
    for (const route of ROUTES.filter((r) => r.auth)) {
      for (const path of route.paths) {
        expect(routeWithKey(`${route.method} ${path}`)?.Properties).toMatchObject({
          AuthorizationType: 'CUSTOM',
          AuthorizerId: expect.anything(),
        });
      }
    }
  });

  it('leaves the info and OpenAPI routes public', () => {
    const publicKeys = ROUTES.filter((r) => !r.auth).flatMap((r) => r.paths.map((p) => `${r.method} ${p}`));
    expect(publicKeys).toEqual(
      expect.arrayContaining(['GET /v1/info', 'GET /info', 'GET /v1/openapi.json', 'GET /openapi.json']),
    );
    for (const key of publicKeys) {
      expect(routeWithKey(key)?.Properties.AuthorizationType).toBe('NONE');
    }
  });

  it('caches the authorizer verdict per X-Auth-Token header for 30 s, with simple responses', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      IdentitySource: ['$request.header.X-Auth-Token'],
      AuthorizerResultTtlInSeconds: 30,
      EnableSimpleResponses: true,
      AuthorizerPayloadFormatVersion: '2.0',
    });
  });

  it("gives the authorizer's Keystone cache the rest of the 60 s revocation bound", () => {
    expect(functionNamed('AuthorizerFunction').Environment).toMatchObject({
      Variables: { KEYSTONE_CACHE_SECONDS: '30' },
    });
  });

  it('runs one function per route group plus the authorizer, all on Node.js 24', () => {
    const handlers = resources('AWS::Lambda::Function').filter(
      (fn) => fn.Properties.Runtime === 'nodejs24.x',
    );
    expect(handlers).toHaveLength(4);
    expect(resources('AWS::ApiGatewayV2::Integration')).toHaveLength(3);
  });

  it.each([
    ['ReadFunction', 10],
    ['WriteFunction', 10],
    ['PublicFunction', 5],
    ['AuthorizerFunction', 10],
  ])('reserves concurrency for %s (%i by default)', (name, reserved) => {
    expect(functionNamed(name).ReservedConcurrentExecutions).toBe(reserved);
  });

  it('takes the reserved concurrency, throttles and authorizer TTL from the context', () => {
    const custom = Template.fromStack(
      buildTestApp({
        apiReservedConcurrency: '7',
        publicReservedConcurrency: '2',
        authorizerReservedConcurrency: '3',
        apiThrottleRate: '80',
        publicThrottleRate: '4',
        authorizerCacheTtlSeconds: '45',
      }).api,
    );
    const reserved = (name: string) =>
      resourceNamed(custom, 'AWS::Lambda::Function', name).Properties.ReservedConcurrentExecutions;
    expect([reserved('ReadFunction'), reserved('PublicFunction'), reserved('AuthorizerFunction')]).toEqual([
      7, 2, 3,
    ]);
    custom.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: Match.objectLike({ ThrottlingRateLimit: 80 }),
      RouteSettings: Match.objectLike({ 'GET /v1/info': Match.objectLike({ ThrottlingRateLimit: 4 }) }),
    });
    custom.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { AuthorizerResultTtlInSeconds: 45 });
    expect(
      resourceNamed(custom, 'AWS::Lambda::Function', 'AuthorizerFunction').Properties.Environment,
    ).toMatchObject({ Variables: { KEYSTONE_CACHE_SECONDS: '15' } });
  });

  it('gives the API functions the pool size the connection budget counts', () => {
    for (const name of ['ReadFunction', 'WriteFunction', 'PublicFunction']) {
      expect(functionNamed(name).Environment).toMatchObject({ Variables: { MONGODB_MAX_POOL_SIZE: '2' } });
    }
  });

  it('runs the API functions and the authorizer in the private subnets, in the security group of the network stack', () => {
    for (const name of ['ReadFunction', 'WriteFunction', 'PublicFunction', 'AuthorizerFunction']) {
      const vpcConfig = JSON.stringify(functionNamed(name).VpcConfig);
      expect(vpcConfig).toMatch(/Almanach-dev-Network:.*PrivateSubnet1/);
      expect(vpcConfig).toMatch(/Almanach-dev-Network:.*WorkloadSecurityGroup/);
    }
  });

  it('throttles each public route below the stage, once the route exists', () => {
    const stage = resourceNamed(template, 'AWS::ApiGatewayV2::Stage', 'DefaultStage');
    const publicKeys = ROUTES.filter((r) => !r.auth).flatMap((r) => r.paths.map((p) => `${r.method} ${p}`));
    expect(
      Object.keys(z.record(z.string(), z.unknown()).parse(stage.Properties.RouteSettings)).sort(),
    ).toEqual(publicKeys.sort());
    for (const key of publicKeys) {
      expect(stage.Properties.RouteSettings).toMatchObject({
        [key]: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
      });
    }
    const publicRouteIds = resources('AWS::ApiGatewayV2::Route')
      .filter((route) => publicKeys.includes(String(route.Properties.RouteKey)))
      .map((route) => route.logicalId);
    expect(stage.DependsOn).toEqual(expect.arrayContaining(publicRouteIds));
  });

  it('throttles the stage and writes access logs', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: Match.objectLike({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 }),
      AccessLogSettings: Match.objectLike({
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp('requestId'),
      }),
    });
  });

  it('gives the functions secret ARNs, never the MongoDB URI or the private key', () => {
    const variables = resources('AWS::Lambda::Function').map((fn) =>
      JSON.stringify(fn.Properties.Environment ?? {}),
    );
    expect(variables.filter((v) => v.includes('MONGODB_URI_SECRET_ARN'))).toHaveLength(3);
    expect(variables.filter((v) => v.includes('ALMANACH_AUTH_TOKEN_SECRET_ARN'))).toHaveLength(1);
    expect(variables.join()).not.toMatch(/"MONGODB_URI"|"ALMANACH_AUTH_TOKEN"/);
  });
});

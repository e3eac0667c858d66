import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ROUTES } from '#http/routes';
import { ApiStack } from '../../infra/stacks/api-stack.ts';
import { DataStack } from '../../infra/stacks/data-stack.ts';

let template: Template;

beforeAll(() => {
  const app = new App();
  const data = new DataStack(app, 'Data');
  const stack = new ApiStack(app, 'Api', {
    mongoUriSecret: data.mongoUriSecret,
    authTokenSecret: data.authTokenSecret,
  });
  template = Template.fromStack(stack);
});

const resourceSchema = z.object({ Properties: z.record(z.string(), z.unknown()).default({}) });
const resources = (type: string) =>
  Object.values(template.findResources(type)).map((resource) => resourceSchema.parse(resource));
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
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ KEYSTONE_CACHE_SECONDS: '30' }) },
    });
  });

  it('runs one function per route group plus the authorizer', () => {
    const handlers = resources('AWS::Lambda::Function').filter(
      (fn) => fn.Properties.Runtime === 'nodejs22.x',
    );
    expect(handlers).toHaveLength(4);
    expect(resources('AWS::ApiGatewayV2::Integration')).toHaveLength(3);
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

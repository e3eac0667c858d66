import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';
import { MAX_REVOCATION_SECONDS } from '../../lib/config/api-schema.ts';
import type { RouteGroup } from '../../lib/http/route.ts';
import { ROUTES } from '../../lib/http/routes.ts';
import { AlmanachFunction } from '../constructs/almanach-function.ts';
import { grantSecretRead } from '../constructs/secret-access.ts';

export interface ApiStackProps extends StackProps {
  mongoUriSecret: ISecret;
  authTokenSecret: ISecret;
  /** AUTH_STRATEGY of the authorizer: private_key, keystone, or both comma-separated. */
  authStrategy?: string;
  keystoneUrl?: string;
  /** Steady requests per second and burst, for the whole API. */
  throttle?: { rateLimit: number; burstLimit: number };
  /**
   * How long API Gateway reuses the authorizer's verdict for one X-Auth-Token (default 30 s). The
   * authorizer's own Keystone cache gets the rest of the revocation bound (MAX_REVOCATION_SECONDS, 60 s).
   */
  authorizerCacheTtl?: Duration;
}

/**
 * The HTTP API: one API Gateway route per entry of the route table (and its unversioned alias), one
 * function per route group, and a Lambda authorizer on every route that needs a token. Nothing here lists
 * routes: a route added to lib/http/routes.ts is deployed as is.
 */
export class ApiStack extends Stack {
  readonly api: HttpApi;
  readonly functions: Record<RouteGroup, AlmanachFunction>;
  readonly authorizerFunction: AlmanachFunction;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);

    const fromSecrets = { MONGODB_URI_SECRET_ARN: props.mongoUriSecret.secretArn };
    this.functions = {
      public: new AlmanachFunction(this, 'PublicFunction', {
        entry: 'functions/api/public.ts',
        environment: fromSecrets,
      }),
      read: new AlmanachFunction(this, 'ReadFunction', {
        entry: 'functions/api/read.ts',
        environment: fromSecrets,
      }),
      write: new AlmanachFunction(this, 'WriteFunction', {
        entry: 'functions/api/write.ts',
        environment: fromSecrets,
      }),
    };
    for (const fn of Object.values(this.functions)) grantSecretRead(props.mongoUriSecret, fn);

    // A revoked Keystone token may be accepted from both caches in turn: together they stay within the bound.
    const authorizerCacheTtl = props.authorizerCacheTtl ?? Duration.seconds(30);
    const keystoneCacheSeconds = MAX_REVOCATION_SECONDS - authorizerCacheTtl.toSeconds();
    if (keystoneCacheSeconds < 0)
      throw new Error(
        `authorizerCacheTtl must not exceed ${MAX_REVOCATION_SECONDS} s (the revocation bound)`,
      );
    this.authorizerFunction = new AlmanachFunction(this, 'AuthorizerFunction', {
      entry: 'functions/api/authorizer.ts',
      memorySize: 256,
      timeout: Duration.seconds(10),
      environment: {
        ALMANACH_AUTH_TOKEN_SECRET_ARN: props.authTokenSecret.secretArn,
        AUTH_STRATEGY: props.authStrategy ?? 'private_key',
        KEYSTONE_CACHE_SECONDS: String(keystoneCacheSeconds),
        ...(props.keystoneUrl && { KEYSTONE_URL: props.keystoneUrl }),
      },
    });
    grantSecretRead(props.authTokenSecret, this.authorizerFunction);
    const authorizer = new HttpLambdaAuthorizer('TokenAuthorizer', this.authorizerFunction, {
      identitySource: ['$request.header.X-Auth-Token'],
      resultsCacheTtl: authorizerCacheTtl,
      responseTypes: [HttpLambdaResponseType.SIMPLE],
    });

    this.api = new HttpApi(this, 'HttpApi', {
      description: 'Almanach: OpenStack usage ledger (v1 API)',
      createDefaultStage: false,
    });
    new CfnOutput(this, 'ApiUrl', {
      value: this.api.apiEndpoint,
      description: 'Base URL of the Almanach API',
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_MONTH });
    new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 50, burstLimit: 100 },
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs), format: accessLogFormat() },
    });

    const integrations = {
      public: new HttpLambdaIntegration('PublicIntegration', this.functions.public),
      read: new HttpLambdaIntegration('ReadIntegration', this.functions.read),
      write: new HttpLambdaIntegration('WriteIntegration', this.functions.write),
    };
    for (const route of ROUTES) {
      for (const path of route.paths) {
        const routes = this.api.addRoutes({
          path,
          methods: [HttpMethod[route.method]],
          integration: integrations[route.group],
          authorizer: route.auth ? authorizer : new HttpNoneAuthorizer(),
        });
        if (!route.auth) {
          NagSuppressions.addResourceSuppressions(routes, [
            {
              id: 'AwsSolutions-APIG4',
              reason: `${route.method} ${path} is public by design (auth: false in the route table): version, counts and the OpenAPI document, as Almanach serves them.`,
            },
          ]);
        }
      }
    }
  }
}

function accessLogFormat(): AccessLogFormat {
  return AccessLogFormat.custom(
    JSON.stringify({
      requestId: '$context.requestId',
      ip: '$context.identity.sourceIp',
      requestTime: '$context.requestTime',
      routeKey: '$context.routeKey',
      status: '$context.status',
      responseLength: '$context.responseLength',
      latency: '$context.responseLatency',
      integrationLatency: '$context.integrationLatency',
      authorizerError: '$context.authorizer.error',
      integrationError: '$context.integrationErrorMessage',
    }),
  );
}

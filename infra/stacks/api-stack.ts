import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CfnStage,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  type HttpRoute,
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
import type { RouteGroup } from '../../lib/http/route-spec.ts';
import { ROUTES } from '../../lib/http/route-table.ts';
import { AlmanachFunction, type FunctionNetwork } from '../constructs/almanach-function.ts';

interface Throttle {
  rateLimit: number;
  burstLimit: number;
}

/** The per-stage tuning of the API (cdk.json `stages`, infra/context.ts). */
export interface ApiSettings {
  /** Reserved concurrency of the read and of the write function, each. */
  reservedConcurrency: number;
  /** Reserved concurrency of the public routes' function. */
  publicReservedConcurrency: number;
  authorizerReservedConcurrency: number;
  /** Requests per second and burst of the stage, for every route but the public ones. */
  throttle: Throttle;
  /** Requests per second and burst of each public route: anyone can call them. */
  publicThrottle: Throttle;
  /**
   * How long API Gateway reuses the authorizer's verdict for one X-Auth-Token (30 s by default in
   * infra/context.ts). The authorizer's own Keystone cache gets the rest of the revocation bound
   * (MAX_REVOCATION_SECONDS, 60 s).
   */
  authorizerCacheTtl: Duration;
  /** MongoDB connections one API function instance pools (MONGODB_MAX_POOL_SIZE). */
  poolSize: number;
  /** AUTH_STRATEGY of the authorizer: private_key, keystone, or both comma-separated. */
  authStrategy: string;
  keystoneUrl?: string;
}

export interface ApiStackProps extends StackProps {
  mongoUriSecret: ISecret;
  authTokenSecret: ISecret;
  settings: ApiSettings;
  /** Private subnets reaching Atlas (and Keystone); without it the functions run outside any VPC. */
  network?: FunctionNetwork;
}

const AUTHORIZER_TIMEOUT = Duration.seconds(10);

/**
 * The HTTP API: one API Gateway route per entry of the route table (and its unversioned alias), one
 * function per route group, and a Lambda authorizer on every route that needs a token. Nothing here lists
 * routes: a route added to lib/http/route-table.ts is deployed as is.
 */
export class ApiStack extends Stack {
  readonly api: HttpApi;
  readonly functions: Record<RouteGroup, AlmanachFunction>;
  readonly authorizerFunction: AlmanachFunction;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);

    const { settings, network } = props;
    const withMongoDb = (entry: string, reservedConcurrentExecutions: number) => ({
      entry,
      network,
      // With the pool size, caps the connections the function can open: the Atlas budget of infra/context.ts.
      reservedConcurrentExecutions,
      environment: {
        MONGODB_URI_SECRET_ARN: props.mongoUriSecret.secretArn,
        MONGODB_MAX_POOL_SIZE: String(settings.poolSize),
      },
    });
    this.functions = {
      public: new AlmanachFunction(
        this,
        'PublicFunction',
        withMongoDb('functions/api/public.ts', settings.publicReservedConcurrency),
      ),
      read: new AlmanachFunction(
        this,
        'ReadFunction',
        withMongoDb('functions/api/read.ts', settings.reservedConcurrency),
      ),
      write: new AlmanachFunction(
        this,
        'WriteFunction',
        withMongoDb('functions/api/write.ts', settings.reservedConcurrency),
      ),
    };
    for (const fn of Object.values(this.functions)) props.mongoUriSecret.grantRead(fn);

    // A revoked Keystone token may be accepted from both caches in turn: together they stay within the bound.
    const keystoneCacheSeconds = MAX_REVOCATION_SECONDS - settings.authorizerCacheTtl.toSeconds();
    if (keystoneCacheSeconds < 0)
      throw new Error(
        `authorizerCacheTtl must not exceed ${MAX_REVOCATION_SECONDS} s (the revocation bound)`,
      );
    this.authorizerFunction = new AlmanachFunction(this, 'AuthorizerFunction', {
      entry: 'functions/api/authorizer.ts',
      memorySize: 256,
      timeout: AUTHORIZER_TIMEOUT,
      network,
      reservedConcurrentExecutions: settings.authorizerReservedConcurrency,
      environment: {
        ALMANACH_AUTH_TOKEN_SECRET_ARN: props.authTokenSecret.secretArn,
        AUTH_STRATEGY: settings.authStrategy,
        KEYSTONE_CACHE_SECONDS: String(keystoneCacheSeconds),
        ...(settings.keystoneUrl && { KEYSTONE_URL: settings.keystoneUrl }),
      },
    });
    props.authTokenSecret.grantRead(this.authorizerFunction);
    const authorizer = new HttpLambdaAuthorizer('TokenAuthorizer', this.authorizerFunction, {
      identitySource: ['$request.header.X-Auth-Token'],
      resultsCacheTtl: settings.authorizerCacheTtl,
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
    const stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: settings.throttle,
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs), format: accessLogFormat() },
    });

    const integrations = {
      public: new HttpLambdaIntegration('PublicIntegration', this.functions.public),
      read: new HttpLambdaIntegration('ReadIntegration', this.functions.read),
      write: new HttpLambdaIntegration('WriteIntegration', this.functions.write),
    };
    const publicRoutes = new Map<string, HttpRoute>();
    for (const route of ROUTES) {
      for (const path of route.paths) {
        const routes = this.api.addRoutes({
          path,
          methods: [HttpMethod[route.method]],
          integration: integrations[route.group],
          authorizer: route.auth ? authorizer : new HttpNoneAuthorizer(),
        });
        if (!route.auth) {
          for (const created of routes) publicRoutes.set(`${route.method} ${path}`, created);
          NagSuppressions.addResourceSuppressions(routes, [
            {
              id: 'AwsSolutions-APIG4',
              reason: `${route.method} ${path} is public by design (auth: false in the route table): version, counts and the OpenAPI document, as Almanach serves them.`,
            },
          ]);
        }
      }
    }
    throttlePublicRoutes(stage, publicRoutes, settings.publicThrottle);
  }
}

/**
 * The routes anyone may call get a throttle of their own, below the stage's: a flood of them must not use
 * up the rate billing jobs need. HttpStage sets only the stage-wide default, so the route settings are set
 * on the CloudFormation stage, after the routes they name exist.
 */
function throttlePublicRoutes(
  stage: HttpStage,
  routes: ReadonlyMap<string, HttpRoute>,
  throttle: Throttle,
): void {
  const cfnStage = stage.node.defaultChild as CfnStage;
  cfnStage.routeSettings = Object.fromEntries(
    [...routes.keys()].map((routeKey) => [
      routeKey,
      // A map of raw CloudFormation properties: CDK does not rename these keys, so they are PascalCase.
      { ThrottlingRateLimit: throttle.rateLimit, ThrottlingBurstLimit: throttle.burstLimit },
    ]),
  );
  for (const route of routes.values()) cfnStage.node.addDependency(route);
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

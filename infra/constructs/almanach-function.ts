import { Duration } from 'aws-cdk-lib';
import { Architecture, LoggingFormat, Runtime } from 'aws-cdk-lib/aws-lambda';
import {
  type BundlingOptions,
  NodejsFunction,
  type NodejsFunctionProps,
  OutputFormat,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';

/**
 * How every function is bundled, by the local esbuild (no Docker). Exported for bench/cold-start.ts, which
 * bundles the same entries alike to measure their size and start-up.
 */
export const ALMANACH_BUNDLING = {
  format: OutputFormat.ESM,
  target: 'node22',
  minify: true,
  sourceMap: true,
  forceDockerBundling: false,
  // The Node.js 22 runtime provides AWS SDK v3. This is CDK's default, stated so the benchmark bundles alike.
  externalModules: ['@aws-sdk/*'],
  // The mongodb driver and the AWS SDK still call require() inside an ESM bundle.
  banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
} satisfies BundlingOptions;

/** The environment every function starts with; the benchmark starts its processes with it too. */
export const ALMANACH_FUNCTION_ENVIRONMENT = {
  NODE_OPTIONS: '--enable-source-maps',
  POWERTOOLS_SERVICE_NAME: 'almanach',
} as const;

/**
 * Every Almanach function: Node.js 22 on arm64, an ESM bundle built by the local esbuild (no Docker),
 * minified with source maps, JSON logs kept a month. Each function states only what differs.
 */
export class AlmanachFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: NodejsFunctionProps & { entry: string }) {
    super(scope, id, {
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      timeout: Duration.seconds(30),
      loggingFormat: LoggingFormat.JSON,
      ...props,
      // A log group of the stack's own rather than logRetention, which deploys a custom-resource Lambda.
      logGroup: props.logGroup ?? new LogGroup(scope, `${id}Logs`, { retention: RetentionDays.ONE_MONTH }),
      environment: { ...ALMANACH_FUNCTION_ENVIRONMENT, ...props.environment },
      bundling: { ...ALMANACH_BUNDLING, ...props.bundling },
    });

    NagSuppressions.addResourceSuppressions(this, [
      {
        id: 'AwsSolutions-L1',
        reason:
          'Node.js 22 is chosen, not the newest runtime: the bundles target node22 and the bridge image runs ' +
          'node:22, so every part runs the Node.js major the code is tested on; upgraded together, on purpose.',
      },
    ]);
    if (this.role) {
      NagSuppressions.addResourceSuppressions(this.role, [
        {
          id: 'AwsSolutions-IAM4',
          reason:
            'AWSLambdaBasicExecutionRole only lets the function write its own CloudWatch logs; every other ' +
            'permission is a grant on a named resource.',
          appliesTo: [
            'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
          ],
        },
      ]);
    }
  }
}

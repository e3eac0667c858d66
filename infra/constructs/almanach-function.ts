import { Duration } from 'aws-cdk-lib';
import { Architecture, LoggingFormat, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type NodejsFunctionProps, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

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
      logRetention: RetentionDays.ONE_MONTH,
      ...props,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'almanach',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        sourceMap: true,
        forceDockerBundling: false,
        // The mongodb driver and the AWS SDK still call require() inside an ESM bundle.
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
        ...props.bundling,
      },
    });
  }
}

import { Duration, Stack } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
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
 * The Node.js major every part runs on: the Lambda runtime, the bundles' target, the bridge image
 * (infra/bridge/Dockerfile) and the CI step that runs the suites under it (.ci/run).
 */
export const NODE_MAJOR = 24;

/**
 * How every function is bundled, by the local esbuild (no Docker). Exported for bench/cold-start.ts, which
 * bundles the same entries alike to measure their size and start-up.
 */
export const ALMANACH_BUNDLING = {
  format: OutputFormat.ESM,
  target: `node${NODE_MAJOR}`,
  minify: true,
  sourceMap: true,
  forceDockerBundling: false,
  // The Node.js runtime provides AWS SDK v3. This is CDK's default, stated so the benchmark bundles alike.
  externalModules: ['@aws-sdk/*'],
  // The mongodb driver and the AWS SDK still call require() inside an ESM bundle.
  banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
} satisfies BundlingOptions;

/** The environment every function starts with; the benchmark starts its processes with it too. */
export const ALMANACH_FUNCTION_ENVIRONMENT = {
  NODE_OPTIONS: '--enable-source-maps',
  POWERTOOLS_SERVICE_NAME: 'almanach',
} as const;

/** Where a function runs when it reaches Atlas privately. */
export interface FunctionNetwork {
  vpc: IVpc;
  subnets: SubnetSelection;
  securityGroup: ISecurityGroup;
}

export type AlmanachFunctionProps = Omit<NodejsFunctionProps, 'role' | 'vpc' | 'logGroup'> & {
  entry: string;
  /** Private subnets of the app's VPC; without it the function runs outside any VPC. */
  network?: FunctionNetwork;
};

/**
 * Every Almanach function: Node.js 24 on arm64, an ESM bundle built by the local esbuild (no Docker),
 * minified with source maps, JSON logs kept a month in a log group of its own, and a role of its own
 * that may write to that log group only (not AWSLambdaBasicExecutionRole, which allows every log group).
 * Each function states only what differs.
 */
export class AlmanachFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, { network, ...props }: AlmanachFunctionProps) {
    // A log group of the stack's own rather than logRetention, which deploys a custom-resource Lambda.
    const logGroup = new LogGroup(scope, `${id}Logs`, { retention: RetentionDays.ONE_MONTH });
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Almanach ${id}: its own logs, and what the stack grants it`,
    });
    super(scope, id, {
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      timeout: Duration.seconds(30),
      loggingFormat: LoggingFormat.JSON,
      ...props,
      role,
      logGroup,
      ...(network && {
        vpc: network.vpc,
        vpcSubnets: network.subnets,
        securityGroups: [network.securityGroup],
      }),
      environment: { ...ALMANACH_FUNCTION_ENVIRONMENT, ...props.environment },
      bundling: { ...ALMANACH_BUNDLING, ...props.bundling },
    });
    // The log group exists: the function never creates one, it only adds streams and events to its own.
    logGroup.grant(role, 'logs:CreateLogStream', 'logs:PutLogEvents');
    if (network) allowVpcNetworkInterfaces(role, network);
  }
}

/**
 * What Lambda needs to attach a function to the VPC, as AWSLambdaVPCAccessExecutionRole grants it but
 * without its logs:* on every log group: the interfaces in the function's subnets and security group.
 */
function allowVpcNetworkInterfaces(role: Role, network: FunctionNetwork): void {
  const stack = Stack.of(role);
  const ec2Arn = (resource: string) =>
    `arn:${stack.partition}:ec2:${stack.region}:${stack.account}:${resource}`;
  role.addToPolicy(
    new PolicyStatement({
      actions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'],
      resources: ['*'],
    }),
  );
  role.addToPolicy(
    new PolicyStatement({
      actions: [
        'ec2:CreateNetworkInterface',
        'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses',
        'ec2:UnassignPrivateIpAddresses',
      ],
      resources: [
        ec2Arn('network-interface/*'),
        ...network.vpc.selectSubnets(network.subnets).subnetIds.map((subnet) => ec2Arn(`subnet/${subnet}`)),
        ec2Arn(`security-group/${network.securityGroup.securityGroupId}`),
      ],
    }),
  );
  NagSuppressions.addResourceSuppressions(
    role,
    [
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets support no resource-level permissions; the ' +
          'network interfaces Lambda creates for the function get ids only when created, so they are named ' +
          'network-interface/*, within the function subnets and security group.',
        // Partition, region and account are tokens or, when cdk synth knows them, literals.
        appliesTo: [
          'Resource::*',
          {
            regex:
              '/^Resource::arn:(<AWS::Partition>|[^:]+):ec2:(<AWS::Region>|[^:]+):(<AWS::AccountId>|\\d+):network-interface\\/\\*$/',
          },
        ],
      },
    ],
    true,
  );
}

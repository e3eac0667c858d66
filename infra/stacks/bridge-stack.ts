import { Stack, type StackProps } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { Cluster, ContainerInsights } from 'aws-cdk-lib/aws-ecs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { BridgeService, type OsloRabbitSettings } from '../constructs/bridge-service.ts';

export interface BridgeStackProps extends StackProps {
  /** The app's VPC (NetworkStack): one that reaches RabbitMQ. */
  vpc: IVpc;
  subnets: SubnetSelection;
  securityGroup: ISecurityGroup;
  ingestQueue: IQueue;
  rabbitMqUrlSecret: ISecret;
  oslo: OsloRabbitSettings;
}

/** The bridge's cluster and the bridge: deployed and replaced on its own schedule. */
export class BridgeStack extends Stack {
  readonly cluster: Cluster;
  readonly bridge: BridgeService;

  constructor(scope: Construct, id: string, props: BridgeStackProps) {
    super(scope, id, props);
    // Container Insights publishes RunningTaskCount, which the "bridge down" alarm watches.
    this.cluster = new Cluster(this, 'Cluster', {
      vpc: props.vpc,
      containerInsightsV2: ContainerInsights.ENABLED,
    });
    this.bridge = new BridgeService(this, 'Bridge', {
      cluster: this.cluster,
      subnets: props.subnets,
      securityGroup: props.securityGroup,
      ingestQueue: props.ingestQueue,
      rabbitMqUrlSecret: props.rabbitMqUrlSecret,
      oslo: props.oslo,
    });
  }
}

import { Stack, type StackProps } from 'aws-cdk-lib';
import { FlowLogDestination, FlowLogTrafficType, type IVpc, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Cluster, ContainerInsights } from 'aws-cdk-lib/aws-ecs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { BridgeService, type OsloRabbitSettings } from '../constructs/bridge-service.ts';

export interface BridgeStackProps extends StackProps {
  /** An existing VPC (one that reaches RabbitMQ); without it a VPC with one NAT gateway is created. */
  vpcId?: string;
  ingestQueue: IQueue;
  rabbitMqUrlSecret: ISecret;
  oslo: OsloRabbitSettings;
}

/** The bridge's network and cluster, and the bridge: deployed and replaced on its own schedule. */
export class BridgeStack extends Stack {
  readonly cluster: Cluster;
  readonly bridge: BridgeService;

  constructor(scope: Construct, id: string, props: BridgeStackProps) {
    super(scope, id, props);

    const vpc = props.vpcId ? Vpc.fromLookup(this, 'Vpc', { vpcId: props.vpcId }) : this.newVpc();
    // Container Insights publishes RunningTaskCount, which the "bridge down" alarm watches.
    this.cluster = new Cluster(this, 'Cluster', { vpc, containerInsightsV2: ContainerInsights.ENABLED });
    this.bridge = new BridgeService(this, 'Bridge', {
      cluster: this.cluster,
      ingestQueue: props.ingestQueue,
      rabbitMqUrlSecret: props.rabbitMqUrlSecret,
      oslo: props.oslo,
    });
  }

  /** Private subnets reaching RabbitMQ, SQS and Secrets Manager through NAT; rejected traffic is logged. */
  private newVpc(): IVpc {
    const flowLogs = new LogGroup(this, 'VpcFlowLogs', { retention: RetentionDays.ONE_MONTH });
    return new Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      subnetConfiguration: [
        { name: 'Public', subnetType: SubnetType.PUBLIC },
        { name: 'Bridge', subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      ],
      flowLogs: {
        Rejected: {
          trafficType: FlowLogTrafficType.REJECT,
          destination: FlowLogDestination.toCloudWatchLogs(flowLogs),
        },
      },
    });
  }
}

import { CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import {
  CfnEIP,
  FlowLogDestination,
  FlowLogTrafficType,
  GatewayVpcEndpointAwsService,
  InterfaceVpcEndpoint,
  InterfaceVpcEndpointAwsService,
  InterfaceVpcEndpointService,
  type IVpc,
  NatProvider,
  Peer,
  Port,
  SecurityGroup,
  type SubnetSelection,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

export interface NetworkStackProps extends StackProps {
  /** An existing VPC with private subnets that have egress; without it a VPC is created. */
  vpcId?: string;
  /** NAT gateways of a created VPC, one Elastic IP each. */
  natGateways: number;
  /** Interface endpoints for SQS, Secrets Manager and CloudWatch Logs. */
  vpcEndpoints: boolean;
  /** Atlas's PrivateLink endpoint service: an interface endpoint to it is created. */
  atlasPrivateLinkServiceName?: string;
}

/** Atlas PrivateLink gives every cluster node its own port on the endpoint, from this range. */
const ATLAS_PRIVATE_LINK_PORTS = Port.tcpRange(1024, 65535);

/**
 * The network the bridge and the functions share: private subnets whose traffic to Atlas and RabbitMQ leaves
 * through NAT gateways with Elastic IPs of the stack's own (outputs `NatPublicIps`, the addresses to put on
 * the Atlas IP access list), or reaches Atlas through PrivateLink.
 */
export class NetworkStack extends Stack {
  readonly vpc: IVpc;
  /** Where the functions and the bridge run. */
  readonly privateSubnets: SubnetSelection = { subnetType: SubnetType.PRIVATE_WITH_EGRESS };
  /** The functions' and the bridge's security group: outbound only, nothing connects to them. */
  readonly workloadSecurityGroup: SecurityGroup;
  readonly atlasEndpoint?: InterfaceVpcEndpoint;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    this.vpc = props.vpcId
      ? Vpc.fromLookup(this, 'Vpc', { vpcId: props.vpcId })
      : this.newVpc(props.natGateways);
    this.workloadSecurityGroup = new SecurityGroup(this, 'WorkloadSecurityGroup', {
      vpc: this.vpc,
      description: 'Almanach functions and bridge: outbound to Atlas, RabbitMQ, AWS services and Keystone',
      // Atlas PrivateLink ports span 1024-65535, and RabbitMQ or Keystone may listen on any port.
      allowAllOutbound: true,
    });
    if (props.vpcEndpoints) this.addServiceEndpoints();
    if (props.atlasPrivateLinkServiceName) {
      this.atlasEndpoint = this.addAtlasEndpoint(props.atlasPrivateLinkServiceName);
    }
  }

  /** Two AZs, a NAT gateway per Elastic IP, rejected traffic logged, S3 (image layers) off the NAT. */
  private newVpc(natGateways: number): IVpc {
    const eips = Array.from(
      { length: natGateways },
      (_, index) => new CfnEIP(this, `NatEip${index + 1}`, { domain: 'vpc' }),
    );
    // Allocated apart from the NAT gateways: a NAT gateway that is replaced keeps its address, so the Atlas
    // access list stays right.
    new CfnOutput(this, 'NatPublicIps', {
      value: Fn.join(
        ',',
        eips.map((eip) => eip.ref),
      ),
      description: 'Addresses the functions and the bridge reach Atlas and RabbitMQ from: allowlist these',
    });
    const flowLogs = new LogGroup(this, 'VpcFlowLogs', { retention: RetentionDays.ONE_MONTH });
    const vpc = new Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways,
      natGatewayProvider: NatProvider.gateway({ eipAllocationIds: eips.map((eip) => eip.attrAllocationId) }),
      subnetConfiguration: [
        { name: 'Public', subnetType: SubnetType.PUBLIC },
        { name: 'Private', subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      ],
      flowLogs: {
        Rejected: {
          trafficType: FlowLogTrafficType.REJECT,
          destination: FlowLogDestination.toCloudWatchLogs(flowLogs),
        },
      },
    });
    // A gateway endpoint is free: the bridge image's layers come from S3 without NAT processing charges.
    vpc.addGatewayEndpoint('S3', { service: GatewayVpcEndpointAwsService.S3 });
    return vpc;
  }

  /**
   * What the bridge (SQS, Secrets Manager, its logs) and the functions (Secrets Manager) call, off the NAT.
   * Open to the workloads only, on HTTPS.
   */
  private addServiceEndpoints(): void {
    const securityGroup = this.securityGroupFromWorkloads('ServiceEndpointsSecurityGroup', Port.tcp(443));
    const services = {
      Sqs: InterfaceVpcEndpointAwsService.SQS,
      SecretsManager: InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
      Logs: InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
    };
    for (const [name, service] of Object.entries(services)) {
      new InterfaceVpcEndpoint(this, `${name}Endpoint`, {
        vpc: this.vpc,
        service,
        subnets: this.privateSubnets,
        securityGroups: [securityGroup],
        privateDnsEnabled: true,
        open: false,
      });
    }
  }

  private securityGroupFromWorkloads(id: string, ports: Port): SecurityGroup {
    const securityGroup = new SecurityGroup(this, id, {
      vpc: this.vpc,
      description: `Almanach ${id}: reachable from the Almanach functions and bridge only`,
      allowAllOutbound: false,
    });
    securityGroup.addIngressRule(
      Peer.securityGroupId(this.workloadSecurityGroup.securityGroupId),
      ports,
      'Almanach functions and bridge',
    );
    return securityGroup;
  }

  /** The endpoint Atlas accepts on its side (output `AtlasPrivateEndpointId`), open to the workloads only. */
  private addAtlasEndpoint(serviceName: string): InterfaceVpcEndpoint {
    const securityGroup = this.securityGroupFromWorkloads(
      'AtlasEndpointSecurityGroup',
      ATLAS_PRIVATE_LINK_PORTS,
    );
    const endpoint = new InterfaceVpcEndpoint(this, 'AtlasEndpoint', {
      vpc: this.vpc,
      service: new InterfaceVpcEndpointService(serviceName),
      subnets: this.privateSubnets,
      securityGroups: [securityGroup],
      // Atlas's endpoint services have no private DNS name: the cluster's private-endpoint connection
      // string resolves to the endpoint's addresses.
      privateDnsEnabled: false,
      open: false,
    });
    new CfnOutput(this, 'AtlasPrivateEndpointId', {
      value: endpoint.vpcEndpointId,
      description: 'Give this endpoint id to Atlas (Network Access > Private Endpoint) to finish PrivateLink',
    });
    return endpoint;
  }
}

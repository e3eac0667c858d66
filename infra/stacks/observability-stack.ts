import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { AlmanachAlarms } from '../constructs/almanach-alarms.ts';
import { AlmanachDashboard } from '../constructs/almanach-dashboard.ts';
import type { AlarmThresholds, WatchedResources } from '../constructs/watched-resources.ts';
import type { ApiStack } from './api-stack.ts';
import type { BridgeStack } from './bridge-stack.ts';
import type { IngestStack } from './ingest-stack.ts';

export interface ObservabilityStackProps extends StackProps {
  ingest: IngestStack;
  api: ApiStack;
  bridge?: BridgeStack;
  thresholds: AlarmThresholds;
  alarmEmail?: string;
}

/** Alarms and the dashboard: changed often, deployed last, and deleting it loses no data. */
export class ObservabilityStack extends Stack {
  readonly alarms: AlmanachAlarms;
  readonly dashboard: AlmanachDashboard;

  constructor(scope: Construct, id: string, props: ObservabilityStackProps) {
    super(scope, id, props);
    const watched: WatchedResources = {
      ingestQueue: props.ingest.queue,
      deadLetterQueue: props.ingest.deadLetterQueue,
      ingestFunction: props.ingest.ingestFunction,
      api: props.api.api,
      apiFunctions: Object.values(props.api.functions),
      authorizerFunction: props.api.authorizerFunction,
      bridge: props.bridge && {
        cluster: props.bridge.cluster,
        service: props.bridge.bridge.service,
        restartsAlarm: props.bridge.bridge.restartsAlarm,
      },
    };
    this.alarms = new AlmanachAlarms(this, 'Alarms', {
      watched,
      thresholds: props.thresholds,
      alarmEmail: props.alarmEmail,
    });
    this.dashboard = new AlmanachDashboard(this, 'Dashboard', {
      watched,
      alarms: this.alarms.alarms,
      dashboardName: id,
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.alarms.topic.topicArn,
      description: 'SNS topic of the Almanach alarms: subscribe more addresses or a chat webhook here',
    });
  }
}

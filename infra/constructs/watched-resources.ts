import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { IAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { IBaseService, ICluster } from 'aws-cdk-lib/aws-ecs';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';

/** What the alarms and the dashboard watch, whichever stacks define it. */
export interface WatchedResources {
  ingestQueue: IQueue;
  deadLetterQueue: IQueue;
  ingestFunction: IFunction;
  api: IHttpApi;
  /** The functions behind the routes (public, read, write). */
  apiFunctions: readonly IFunction[];
  authorizerFunction: IFunction;
  /** Absent when the bridge runs outside AWS. */
  bridge?: {
    cluster: ICluster;
    service: IBaseService;
    /** The bridge stack's deployment alarm on restarts (it rolls back ECS deployments). */
    restartsAlarm: IAlarm;
  };
}

/** When the alarms fire (cdk.json `stages`, infra/context.ts). */
export interface AlarmThresholds {
  ingestQueueAgeSeconds: number;
  apiP99DurationMs: number;
  api4xxPercent: number;
}

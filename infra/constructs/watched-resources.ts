import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { IBaseService, ICluster } from 'aws-cdk-lib/aws-ecs';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';

/** What the alarms and the dashboard watch, whichever stacks define it. */
export interface WatchedResources {
  ingestQueue: IQueue;
  deadLetterQueue: IQueue;
  ingestFunction: IFunction;
  api: IHttpApi;
  apiFunctions: readonly IFunction[];
  /** Absent when the bridge runs outside AWS. */
  bridge?: { cluster: ICluster; service: IBaseService };
}

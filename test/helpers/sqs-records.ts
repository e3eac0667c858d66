import type { Context, SQSEvent } from 'aws-lambda';

/** An SQS event as Lambda delivers it, for driving the ingest handler without a queue. */
export function sqsEvent(bodies: readonly string[]): SQSEvent {
  return {
    Records: bodies.map((body, index) => ({
      messageId: `sqs-${index}-${crypto.randomUUID()}`,
      receiptHandle: `receipt-${index}`,
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.now()),
        SenderId: 'bridge',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:almanach-ingest',
      awsRegion: 'us-east-1',
    })),
  };
}

export const lambdaContext = {
  functionName: 'almanach-ingest',
  awsRequestId: 'test-request',
  getRemainingTimeInMillis: () => 60_000,
} as Context;

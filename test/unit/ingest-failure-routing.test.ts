import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSEvent } from 'aws-lambda';
import { MongoNetworkError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { foldSettingsFrom, mappingOptionsFrom } from '#config/ingest-settings';
import { loadConfig, rulesConfigSchema } from '#config/schema';
import { instanceCreated } from '#dev/simulator/nova';
import { rabbitBody } from '#dev/simulator/oslo-envelope';
import type { AppendResult, LogEntry } from '#ingest/ports';
import { createSqsIngestHandler } from '#ingest/sqs-batch-handler';
import { CountingSink } from '#observability/ingest-metrics';
import type { DeadLetterRequest, FailureRouting, PostponeRequest } from '#queue/sqs-failure-routing';
import { InMemoryIngestPorts } from '#test/helpers/in-memory-ingest-ports';
import { lambdaContext, sqsEvent } from '#test/helpers/sqs-records';

const RULES = loadConfig(rulesConfigSchema, {});
const logger = new Logger({ serviceName: 'almanach', logLevel: 'SILENT' });
const backoff = { baseSeconds: 30, maxSeconds: 900 };

/** A store whose event log throws `outage` while it is set. */
class OutagePorts extends InMemoryIngestPorts {
  outage: Error | undefined;

  override async appendEvents(entries: readonly LogEntry[]): Promise<AppendResult> {
    if (this.outage) throw this.outage;
    return super.appendEvents(entries);
  }
}

/** The queue calls the handler made, and whether the dead-letter queue accepts what is sent. */
class RecordingRouting implements FailureRouting {
  readonly deadLettered: DeadLetterRequest[] = [];
  readonly postponed: PostponeRequest[] = [];
  deadLetterQueueDown = false;

  async deadLetter(requests: readonly DeadLetterRequest[]): Promise<Set<string>> {
    if (this.deadLetterQueueDown) throw new Error('SQS unavailable');
    this.deadLettered.push(...requests);
    return new Set(requests.map(({ record }) => record.messageId));
  }

  async postpone(requests: readonly PostponeRequest[]): Promise<void> {
    this.postponed.push(...requests);
  }
}

function routedPipeline() {
  const ports = new OutagePorts();
  const routing = new RecordingRouting();
  const handler = createSqsIngestHandler({
    ingest: { ports, mapping: mappingOptionsFrom(RULES), foldSettings: foldSettingsFrom(RULES) },
    logger,
    metrics: new CountingSink(),
    redelivery: { routing, backoff },
  });
  const run = async (event: SQSEvent) => {
    const { batchItemFailures } = await handler(event, lambdaContext);
    return batchItemFailures.map((failure) => failure.itemIdentifier);
  };
  return { ports, routing, run };
}

function receivedTimes(event: SQSEvent, receiveCount: number): SQSEvent {
  for (const record of event.Records) record.attributes.ApproximateReceiveCount = String(receiveCount);
  return event;
}

describe('where the failures of an SQS batch go', () => {
  it('sends a malformed notification to the dead-letter queue at once, with its reason, and acknowledges it', async () => {
    const { routing, run } = routedPipeline();
    const event = sqsEvent([rabbitBody(instanceCreated()), '{"oslo.version": "2.0", "oslo.message": "{"}']);

    expect(await run(event)).toEqual([]);
    expect(routing.deadLettered.map(({ record }) => record.messageId)).toEqual([event.Records[1]?.messageId]);
    expect(routing.deadLettered[0]?.reason).toContain('oslo.message');
  });

  it('leaves a malformed notification to the queue when the dead-letter queue cannot take it', async () => {
    const { routing, run } = routedPipeline();
    routing.deadLetterQueueDown = true;
    const event = sqsEvent(['not JSON']);

    expect(await run(event)).toEqual([event.Records[0]?.messageId]);
  });

  it('postpones every notification of a batch the store could not take, by the delay of its receive count', async () => {
    const { ports, routing, run } = routedPipeline();
    ports.outage = new MongoNetworkError('connection reset');
    const event = receivedTimes(sqsEvent([rabbitBody(instanceCreated()), rabbitBody(instanceCreated())]), 3);

    const failed = await run(event);

    expect(failed).toEqual(event.Records.map((record) => record.messageId));
    expect(routing.postponed.map(({ delaySeconds }) => delaySeconds)).toEqual([120, 120]);
    expect(routing.deadLettered).toEqual([]);
  });

  it('leaves a failure that is not an outage to the queue as it is, neither postponed nor dead-lettered', async () => {
    const { ports, routing, run } = routedPipeline();
    ports.outage = new TypeError('a bug');
    const event = sqsEvent([rabbitBody(instanceCreated())]);

    expect(await run(event)).toEqual([event.Records[0]?.messageId]);
    expect(routing.postponed).toEqual([]);
    expect(routing.deadLettered).toEqual([]);
  });
});

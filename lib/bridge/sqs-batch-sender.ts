import {
  SendMessageBatchCommand,
  type SendMessageBatchCommandOutput,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type BackoffPolicy, backoffDelay, pause } from './backoff.ts';
import { linkSignals } from './linked-signal.ts';
import type { OutgoingMessage } from './outgoing-message.ts';

export interface SendPolicy extends BackoffPolicy {
  /** Attempts per entry, the first included. */
  attempts: number;
  /** One SendMessageBatch call is abandoned after this long (the SDK sets no limit of its own). */
  timeoutMs: number;
}

export interface Unsent<T> {
  item: T;
  reason: string;
}

export interface SendResult<T> {
  /** SQS has them: their RabbitMQ messages may be acknowledged. */
  accepted: T[];
  /** SQS refused them as the sender's fault (their content): retrying cannot help. */
  refused: Unsent<T>[];
  /** Not accepted after every attempt, or abandoned when `signal` aborted: RabbitMQ must keep them. */
  unsent: Unsent<T>[];
}

export interface SqsBatchSenderOptions {
  client: SQSClient;
  queueUrl: string;
  policy: SendPolicy;
  /** Called before each new attempt with the number of entries sent again. */
  onRetry?: (entries: number) => void;
}

/**
 * Sends one batch with SendMessageBatch, retrying the failed entries (or the whole call) with backoff. The
 * failure count is shared by every batch, so while SQS is down each new batch waits first instead of
 * hammering it; a success anywhere resets it.
 */
export class SqsBatchSender {
  private consecutiveFailures = 0;

  constructor(private readonly options: SqsBatchSenderOptions) {}

  /** True after a failed attempt, until an attempt succeeds. */
  get failing(): boolean {
    return this.consecutiveFailures > 0;
  }

  async send<T extends { message: OutgoingMessage }>(
    items: readonly T[],
    signal: AbortSignal,
  ): Promise<SendResult<T>> {
    const { client, queueUrl, policy, onRetry } = this.options;
    const result: SendResult<T> = { accepted: [], refused: [], unsent: [] };
    let pending = items.map((item, index) => ({ id: String(index), item }));
    let lastReason = 'not sent before shutdown or disconnection';

    for (let attempt = 1; attempt <= policy.attempts && pending.length > 0; attempt++) {
      if (attempt > 1 || this.consecutiveFailures > 0) {
        const waited = await pause(backoffDelay(Math.max(1, this.consecutiveFailures), policy), signal);
        if (!waited) break;
      }
      if (signal.aborted) break;
      if (attempt > 1) onRetry?.(pending.length);

      let response: SendMessageBatchCommandOutput;
      const call = linkSignals([signal], policy.timeoutMs);
      try {
        response = await client.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: pending.map(({ id, item }) => ({
              Id: id,
              MessageBody: item.message.body,
              MessageAttributes: item.message.attributes,
            })),
          }),
          { abortSignal: call.signal },
        );
      } catch (error) {
        this.consecutiveFailures++;
        lastReason = `SendMessageBatch failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
        continue;
      } finally {
        call.dispose();
      }

      const remaining = new Map(pending.map((entry) => [entry.id, entry]));
      for (const { Id } of response.Successful ?? []) {
        const entry = Id === undefined ? undefined : remaining.get(Id);
        if (!entry) continue;
        result.accepted.push(entry.item);
        remaining.delete(entry.id);
      }
      for (const failure of response.Failed ?? []) {
        const entry = failure.Id === undefined ? undefined : remaining.get(failure.Id);
        if (!entry) continue;
        const reason = `SQS refused the entry: ${failure.Code ?? 'error'}: ${failure.Message ?? 'no message'}`;
        lastReason = reason;
        if (failure.SenderFault) {
          result.refused.push({ item: entry.item, reason });
          remaining.delete(entry.id);
        }
      }
      // Entries SQS reported as failed on its side, or did not mention at all, are sent again.
      pending = [...remaining.values()];
      this.consecutiveFailures = pending.length > 0 ? this.consecutiveFailures + 1 : 0;
    }

    result.unsent = pending.map(({ item }) => ({ item, reason: lastReason }));
    return result;
  }
}

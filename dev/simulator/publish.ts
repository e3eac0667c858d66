import { setTimeout as sleep } from 'node:timers/promises';

export interface PublishOptions {
  /** Notifications per second; 0 sends as fast as the sink accepts. */
  rate: number;
  /** Notifications per `send`: one confirm round trip (RabbitMQ) or up to this many per SendMessageBatch run. */
  batchSize?: number;
  onProgress?: (sent: number) => void;
  /** Stops between batches when aborted (Ctrl-C); what was sent stays sent. */
  signal?: AbortSignal;
}

export interface PublishResult {
  sent: number;
  elapsedMs: number;
}

/** Anything that takes a batch and resolves once the destination accepted all of it. */
export interface BatchSink<T> {
  send(batch: readonly T[]): Promise<void>;
}

/** Sends the stream in order, paced to `rate`, each batch confirmed by the sink before the next. */
export async function publishStream<T>(
  sink: BatchSink<T>,
  notifications: readonly T[],
  options: PublishOptions,
): Promise<PublishResult> {
  const batchSize = Math.max(
    1,
    Math.min(
      options.batchSize ?? 50,
      options.rate > 0 ? Math.ceil(options.rate / 10) : Number.POSITIVE_INFINITY,
    ),
  );
  const started = Date.now();
  let sent = 0;
  while (sent < notifications.length && !options.signal?.aborted) {
    const batch = notifications.slice(sent, sent + batchSize);
    await sink.send(batch);
    sent += batch.length;
    options.onProgress?.(sent);
    if (options.rate > 0) {
      const due = started + (sent / options.rate) * 1000;
      const ahead = due - Date.now();
      if (ahead > 0) await sleep(ahead);
    }
  }
  return { sent, elapsedMs: Date.now() - started };
}

/** A notification that can never be processed, whatever is retried: it belongs in the dead-letter queue. */
export class MalformedNotificationError extends Error {
  override readonly name = 'MalformedNotificationError';

  constructor(
    readonly reason: string,
    readonly field?: string,
  ) {
    super(field ? `${field}: ${reason}` : reason);
  }
}

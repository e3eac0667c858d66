/**
 * How long a notification that failed for a transient reason (the store unreachable) stays hidden before
 * its next delivery: `baseSeconds` after its first receive, doubling with each receive, at most
 * `maxSeconds`. The delay only ever grows, so a long outage costs few receives and a short one little time.
 */
export interface BackoffPolicy {
  baseSeconds: number;
  maxSeconds: number;
}

/** The longest visibility timeout SQS accepts (12 hours). */
export const SQS_MAX_VISIBILITY_SECONDS = 43_200;

/** The highest maxReceiveCount a redrive policy accepts. */
export const SQS_MAX_RECEIVE_COUNT = 1_000;

/** The delay after the `receiveCount`-th receive failed transiently (SQS counts receives from 1). */
export function retryDelaySeconds(receiveCount: number, policy: BackoffPolicy): number {
  const doublings = Math.max(0, Math.floor(receiveCount) - 1);
  const cap = Math.min(policy.maxSeconds, SQS_MAX_VISIBILITY_SECONDS);
  // Beyond 2^30 the cap has long been reached; bounding the exponent keeps the arithmetic finite.
  return Math.min(cap, policy.baseSeconds * 2 ** Math.min(doublings, 30));
}

/**
 * How long after its first receive a notification is received for the last time before SQS moves it to the
 * dead-letter queue: the receive that would exceed maxReceiveCount moves it instead of delivering it, so
 * the delays after receives 1 … maxReceiveCount − 1 are the outage it outlasts.
 */
export function outageOutlastedSeconds(maxReceiveCount: number, policy: BackoffPolicy): number {
  let seconds = 0;
  for (let receive = 1; receive < maxReceiveCount; receive++) seconds += retryDelaySeconds(receive, policy);
  return seconds;
}

/** The smallest maxReceiveCount whose last delivery comes after an outage of `outageSeconds`. */
export function maxReceiveCountFor(outageSeconds: number, policy: BackoffPolicy): number {
  for (let count = 1; count <= SQS_MAX_RECEIVE_COUNT; count++) {
    if (outageOutlastedSeconds(count, policy) >= outageSeconds) return count;
  }
  throw new RangeError(
    `an outage of ${outageSeconds} s needs more than ${SQS_MAX_RECEIVE_COUNT} receives at a delay of at most ${policy.maxSeconds} s: raise the delay`,
  );
}

/** 30 s, 1 min, 2 min … then every 15 min: a blip costs half a minute, a long outage a few receives. */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseSeconds: 30, maxSeconds: 900 };

/** The longest MongoDB outage the ingest outlasts without a notification reaching the dead-letter queue. */
export const DEFAULT_OUTAGE_TOLERANCE_SECONDS = 6 * 3_600;

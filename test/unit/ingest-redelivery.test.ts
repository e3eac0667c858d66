import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BACKOFF,
  DEFAULT_OUTAGE_TOLERANCE_SECONDS,
  maxReceiveCountFor,
  outageOutlastedSeconds,
  retryDelaySeconds,
  SQS_MAX_VISIBILITY_SECONDS,
} from '#ingest/redelivery';

const policy = { baseSeconds: 30, maxSeconds: 900 };

describe('the delay before a notification the store could not take is delivered again', () => {
  it('starts at the base delay after the first receive and doubles with each receive', () => {
    expect([1, 2, 3, 4, 5].map((receive) => retryDelaySeconds(receive, policy))).toEqual([
      30, 60, 120, 240, 480,
    ]);
  });

  it('never exceeds the maximum delay, however many receives', () => {
    expect(retryDelaySeconds(6, policy)).toBe(900);
    expect(retryDelaySeconds(10_000, policy)).toBe(900);
  });

  it('never exceeds the 12 hours SQS accepts as a visibility timeout', () => {
    expect(retryDelaySeconds(100, { baseSeconds: 3_600, maxSeconds: 86_400 })).toBe(
      SQS_MAX_VISIBILITY_SECONDS,
    );
  });
});

describe('the outage a maxReceiveCount outlasts', () => {
  it('is the sum of the delays after every receive but the last', () => {
    // Receives at 0, 30, 90, 210 s; the fifth receive would exceed maxReceiveCount 4 and dead-letter it.
    expect(outageOutlastedSeconds(4, policy)).toBe(30 + 60 + 120);
  });

  it('is nothing for a maxReceiveCount of one: the first failure is the last delivery', () => {
    expect(outageOutlastedSeconds(1, policy)).toBe(0);
  });
});

describe('the maxReceiveCount an outage needs', () => {
  it('outlasts six hours at the default delays with 29 receives: 930 s over the first five, then 15 minutes each', () => {
    const count = maxReceiveCountFor(DEFAULT_OUTAGE_TOLERANCE_SECONDS, DEFAULT_BACKOFF);

    expect(count).toBe(29);
    expect(outageOutlastedSeconds(count, DEFAULT_BACKOFF)).toBe(930 + 23 * 900);
    expect(outageOutlastedSeconds(count - 1, DEFAULT_BACKOFF)).toBeLessThan(DEFAULT_OUTAGE_TOLERANCE_SECONDS);
  });

  it('is the smallest count whose last delivery comes after the outage', () => {
    for (const outage of [1, 29, 30, 31, 211, 5_000, 86_400]) {
      const count = maxReceiveCountFor(outage, policy);
      expect(outageOutlastedSeconds(count, policy)).toBeGreaterThanOrEqual(outage);
      expect(outageOutlastedSeconds(count - 1, policy)).toBeLessThan(outage);
    }
  });

  it('refuses an outage that even 1,000 receives, the most SQS allows, cannot outlast', () => {
    expect(() => maxReceiveCountFor(86_400, { baseSeconds: 1, maxSeconds: 60 })).toThrow(/raise the delay/);
  });
});

import { describe, expect, it } from 'vitest';
import { backoffDelay } from '#bridge/backoff';

const policy = { baseMs: 200, maxMs: 5_000 };

describe('the backoff between SQS attempts', () => {
  it('does not wait before a first attempt', () => {
    expect(backoffDelay(0, policy)).toBe(0);
  });

  it('doubles with each consecutive failure', () => {
    const ceilings = [1, 2, 3, 4].map((failures) => backoffDelay(failures, policy, () => 1));

    expect(ceilings).toEqual([200, 400, 800, 1_600]);
  });

  it('never exceeds the maximum, however many failures', () => {
    expect(backoffDelay(1_000, policy, () => 1)).toBe(5_000);
  });

  it('waits at least half the ceiling, so jitter never collapses it to nothing', () => {
    expect(backoffDelay(3, policy, () => 0)).toBe(400);
  });
});

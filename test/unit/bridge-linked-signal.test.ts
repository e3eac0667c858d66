import { afterEach, describe, expect, it, vi } from 'vitest';
import { linkSignals } from '#bridge/linked-signal';

afterEach(() => {
  vi.useRealTimers();
});

describe('a signal linked to others', () => {
  it('aborts when any of its sources aborts', () => {
    const first = new AbortController();
    const second = new AbortController();
    const { signal } = linkSignals([first.signal, second.signal]);

    second.abort();

    expect(signal.aborted).toBe(true);
  });

  it('is aborted from the start when a source already is', () => {
    expect(linkSignals([AbortSignal.abort()]).signal.aborted).toBe(true);
  });

  it('aborts after its timeout', () => {
    vi.useFakeTimers();
    const { signal } = linkSignals([new AbortController().signal], 1_000);

    vi.advanceTimersByTime(999);
    expect(signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(signal.aborted).toBe(true);
  });

  it('no longer follows its sources nor its timeout once disposed', () => {
    vi.useFakeTimers();
    const source = new AbortController();
    const linked = linkSignals([source.signal], 1_000);

    linked.dispose();
    source.abort();
    vi.advanceTimersByTime(1_000);

    expect(linked.signal.aborted).toBe(false);
  });
});

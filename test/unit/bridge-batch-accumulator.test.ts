import { describe, expect, it } from 'vitest';
import { BatchAccumulator } from '#bridge/batch-accumulator';

const item = (id: number, bytes = 100) => ({ id, bytes });
const ids = (batches: { id: number }[][]) => batches.map((batch) => batch.map(({ id }) => id));

describe('grouping messages into SendMessageBatch calls', () => {
  it('completes a batch at ten messages', () => {
    const accumulator = new BatchAccumulator<ReturnType<typeof item>>(262_144);
    const completed = Array.from({ length: 10 }, (_, i) => accumulator.add(item(i))).flat();

    expect(ids(completed)).toEqual([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]]);
    expect(accumulator.length).toBe(0);
  });

  it('sends the pending batch first when the next message would take it over the byte limit', () => {
    const accumulator = new BatchAccumulator<ReturnType<typeof item>>(1_000);
    accumulator.add(item(1, 600));

    expect(ids(accumulator.add(item(2, 500)))).toEqual([[1]]);
    expect(ids([accumulator.take()])).toEqual([[2]]);
  });

  it('fills a batch up to exactly the byte limit', () => {
    const accumulator = new BatchAccumulator<ReturnType<typeof item>>(1_000);
    accumulator.add(item(1, 600));

    expect(accumulator.add(item(2, 400))).toEqual([]);
    expect(ids([accumulator.take()])).toEqual([[1, 2]]);
  });

  it('gives a message of the full limit a batch of its own', () => {
    const accumulator = new BatchAccumulator<ReturnType<typeof item>>(1_000);
    accumulator.add(item(1, 10));

    expect(ids(accumulator.add(item(2, 1_000)))).toEqual([[1]]);
    expect(ids(accumulator.add(item(3, 10)))).toEqual([[2]]);
  });

  it('hands over a partial batch when taken, and starts over empty', () => {
    const accumulator = new BatchAccumulator<ReturnType<typeof item>>(262_144);
    accumulator.add(item(1));
    accumulator.add(item(2));

    expect(ids([accumulator.take()])).toEqual([[1, 2]]);
    expect(accumulator.take()).toEqual([]);
  });

  it('drops the pending messages of a closed channel and frees their bytes', () => {
    const accumulator = new BatchAccumulator<ReturnType<typeof item>>(1_000);
    accumulator.add(item(1, 400));
    accumulator.add(item(2, 400));

    expect(ids([accumulator.remove(({ id }) => id === 1)])).toEqual([[1]]);
    expect(accumulator.add(item(3, 600))).toEqual([]);
    expect(ids([accumulator.take()])).toEqual([[2, 3]]);
  });
});

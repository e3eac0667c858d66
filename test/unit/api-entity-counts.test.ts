import { describe, expect, it } from 'vitest';
import { cachedEntityCounts, ENTITY_COUNTS_TTL_MS } from '#http/entity-counts';

function countingQueries(failures = 0) {
  const queries = {
    counted: 0,
    async countAll() {
      queries.counted += 1;
      if (queries.counted <= failures) throw new Error('store unreachable');
      return 10 * queries.counted;
    },
    async countActive() {
      return queries.counted;
    },
  };
  return queries;
}

function clockAt(start: number) {
  const clock = { millis: start, now: () => new Date(clock.millis) };
  return clock;
}

describe("GET /info's entity counts", () => {
  it('are counted once for all the requests of a period', async () => {
    const queries = countingQueries();
    const clock = clockAt(0);
    const counts = cachedEntityCounts(queries, clock.now);
    const answers = await Promise.all([counts(), counts(), counts()]);
    clock.millis = ENTITY_COUNTS_TTL_MS - 1;
    answers.push(await counts());
    expect(answers).toEqual(Array(4).fill({ all: 10, active: 1 }));
    expect(queries.counted).toBe(1);
  });

  it('are counted again once the period is over', async () => {
    const queries = countingQueries();
    const clock = clockAt(0);
    const counts = cachedEntityCounts(queries, clock.now);
    await counts();
    clock.millis = ENTITY_COUNTS_TTL_MS;
    expect(await counts()).toEqual({ all: 20, active: 2 });
  });

  it('are asked again after a failed count rather than failing for the whole period', async () => {
    const queries = countingQueries(1);
    const counts = cachedEntityCounts(queries, clockAt(0).now);
    await expect(counts()).rejects.toThrow('store unreachable');
    expect(await counts()).toEqual({ all: 20, active: 2 });
  });
});

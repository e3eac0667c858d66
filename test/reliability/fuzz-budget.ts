import { z } from 'zod';

/**
 * How many cases each fuzzing property runs. Unset, every property keeps the budget its suite names, short
 * enough for each `npm test`; the soak run (`npm run soak`) sets FUZZ_RUNS to run every property that many
 * times.
 */
const budget = z.coerce
  .number()
  .int()
  .positive()
  .optional()
  .parse(process.env.FUZZ_RUNS || undefined);

export function fuzzRuns(defaultRuns: number): number {
  return budget ?? defaultRuns;
}

/**
 * Vitest's timeout for a property of `runs` cases taking up to `perCaseMs` each on a loaded machine: the
 * project's five minutes at the default budgets, more when FUZZ_RUNS raises them.
 */
export function fuzzTimeout(runs: number, perCaseMs: number): number {
  return Math.max(300_000, runs * perCaseMs);
}

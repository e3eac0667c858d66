/**
 * What every benchmark shares, whatever it measures: sizes from the environment, time limits that keep a
 * slow or wedged server from hanging the run, work spread over concurrent workers, progress on stderr.
 */
import { round } from './report.ts';

/** A phase or a step outlived its time limit. */
export class TimeLimitExceededError extends Error {
  override readonly name = 'TimeLimitExceededError';
}

/** The work's result, or a TimeLimitExceededError naming it once `ms` have passed: no step may hang a run. */
export async function within<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new TimeLimitExceededError(`${what} did not finish within ${round(ms / 1_000, 1)} s`)),
      ms,
    );
  });
  try {
    return await Promise.race([work, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** A phase's time limit: loops check it between steps, so a slow server ends the phase, not the machine. */
export class Deadline {
  private readonly endsAt: number;

  constructor(
    readonly seconds: number,
    private readonly what: string,
  ) {
    this.endsAt = performance.now() + seconds * 1_000;
  }

  get passed(): boolean {
    return performance.now() > this.endsAt;
  }

  check(): void {
    if (this.passed) throw new TimeLimitExceededError(`${this.what} exceeded its ${this.seconds} s deadline`);
  }
}

/** A positive integer from the environment, or the default. */
export function envInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  return positiveInteger(name, raw, raw);
}

/** A comma-separated list of positive integers from the environment, or the default. */
export function envIntegers(name: string, fallback: readonly number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return [...fallback];
  return raw.split(',').map((item) => positiveInteger(name, item.trim(), raw));
}

function positiveInteger(name: string, item: string, raw: string): number {
  const value = Number(item);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer or a comma-separated list of them, got ${raw}`);
  return value;
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

/**
 * `work` on every item, by concurrent workers each taking the next item (in the list's order) as it finishes
 * one: `workers` of them, or one per element of `workers`, handed to `work` with each item it takes (for
 * work that needs a client or a handler of its own per worker, as each Lambda instance has).
 */
export function forEachConcurrently<T>(
  items: readonly T[],
  workers: number,
  work: (item: T) => Promise<unknown>,
): Promise<void>;
export function forEachConcurrently<T, W>(
  items: readonly T[],
  workers: readonly W[],
  work: (item: T, worker: W) => Promise<unknown>,
): Promise<void>;
export async function forEachConcurrently<T, W>(
  items: readonly T[],
  workers: number | readonly W[],
  work: (item: T, worker: W | undefined) => Promise<unknown>,
): Promise<void> {
  const pool: readonly (W | undefined)[] =
    typeof workers === 'number' ? Array.from({ length: workers }, () => undefined) : workers;
  // One iterator for all: each worker's loop takes the next item from it.
  const queue = items.values();
  await Promise.all(
    pool.slice(0, items.length).map(async (worker) => {
      for (const item of queue) await work(item, worker);
    }),
  );
}

/** Where a long run is, on stderr: the tables on stdout stay clean. */
export function progress(message: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { RouteGroup } from '#http/route-spec';
import { routesOf } from '#http/route-table';
import type { TestApi } from '#test/helpers/api-harness';
import { type FuzzRequest, requestTo, useSeededApi } from './api-arbitraries.ts';
import { fuzzRuns, fuzzTimeout } from './fuzz-budget.ts';

/**
 * Every route of the table, fuzzed through the local server with a valid token: never a 5xx; a refusal
 * is a 4xx with Almanach's JSON error body, naming a field the request had when it names one, and it
 * leaves the store as it was. Reads never change the store at all. Some requests of every group succeed:
 * a group whose every request is refused would pass these checks without proving anything.
 */
let api: TestApi;
useSeededApi('api_fuzzing', (started) => {
  api = started;
});

const errorBody = z.object({
  error: z.union([z.string().min(1), z.record(z.string(), z.string().min(1))]),
});

/** `<field>: <reason>` (ValidationError) and `The '<field>' param is mandatory…` (MissingParamError). */
function namedField(message: string): string | undefined {
  const named = /^([^\s:]+): /.exec(message) ?? /^The '([^']+)' param is mandatory/.exec(message);
  return named?.[1];
}

/** A named field is one of the request's, or a path into one (`metadata.$where`). */
function expectRequestField(request: FuzzRequest, named: string): void {
  const matches = request.fields.some((field) => named === field || named.startsWith(`${field}.`));
  expect(matches, `${named} is not a field of ${request.routeName}`).toBe(true);
}

function expectClearRefusal(request: FuzzRequest, status: number, json: unknown): void {
  expect(status).toBeGreaterThanOrEqual(400);
  if (request.method === 'HEAD') return;
  const { error } = errorBody.parse(json);
  if (status !== 400) return;
  if (typeof error === 'string') {
    const field = namedField(error);
    if (field !== undefined) expectRequestField(request, field);
  } else {
    for (const field of Object.keys(error)) expectRequestField(request, field);
  }
}

const RUNS: Record<RouteGroup, { seed: number; numRuns: number }> = {
  public: { seed: 20_240_701, numRuns: fuzzRuns(300) },
  read: { seed: 20_240_702, numRuns: fuzzRuns(1_000) },
  write: { seed: 20_240_703, numRuns: fuzzRuns(1_000) },
};

/** How the fuzzed requests of a group were answered: by status class, and the routes that succeeded. */
class Answers {
  private readonly byClass = new Map<string, number>();
  private readonly succeededRoutes = new Set<string>();

  count(request: FuzzRequest, status: number): void {
    const statusClass = `${Math.floor(status / 100)}xx`;
    this.byClass.set(statusClass, (this.byClass.get(statusClass) ?? 0) + 1);
    if (statusClass === '2xx') this.succeededRoutes.add(request.routeName);
  }

  of(statusClass: string): number {
    return this.byClass.get(statusClass) ?? 0;
  }

  summary(routes: readonly { name: string }[]): string {
    const classes = [...this.byClass].sort().map(([statusClass, count]) => `${count} ${statusClass}`);
    const neverSucceeded = routes
      .map((route) => route.name)
      .filter((name) => !this.succeededRoutes.has(name));
    return `${classes.join(', ')}; no 2xx for: ${neverSucceeded.join(', ') || 'none'}`;
  }
}

describe.each(Object.entries(RUNS))('the %s routes', (group, runs) => {
  it(
    'answer fuzzed requests without a 5xx, some with a 2xx, refuse with a clear 4xx and change nothing when they refuse',
    async ({ annotate }) => {
      const routes = routesOf(group as RouteGroup);
      const answers = new Answers();
      await fc.assert(
        fc.asyncProperty(requestTo(routes), async (request) => {
          const before = await api.snapshot();
          const response = await api.call(request.method, request.path, {
            ...(request.rawBody !== undefined && { rawBody: request.rawBody }),
          });
          answers.count(request, response.status);
          expect(response.status).toBeLessThan(500);
          const refused = response.status >= 400;
          if (refused) expectClearRefusal(request, response.status, response.json);
          if (refused || group !== 'write') expect(await api.snapshot()).toEqual(before);
        }),
        runs,
      );
      const summary = `${runs.numRuns} cases: ${answers.summary(routes)}`;
      await annotate(summary);
      expect(answers.of('2xx'), summary).toBeGreaterThan(0);
    },
    fuzzTimeout(runs.numRuns, 400),
  );
});

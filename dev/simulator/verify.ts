import { setTimeout as sleep } from 'node:timers/promises';
import type { ExpectedUsage } from './truth.ts';

export interface ApiTarget {
  /** e.g. http://127.0.0.1:8000 */
  url: string;
  token: string;
}

export interface Verification {
  verified: string[];
  /** Per mismatched project, what differs (`instances.by_flavor[m1.small].seconds: expected 3600, got 1800`). */
  mismatched: { projectId: string; differences: string[] }[];
}

/** Seconds are sums of millisecond spans divided by 1,000: equal within rounding. */
const TOLERANCE = 1e-3;

/**
 * Asks the API for the usage of every project over `period` until each expected project matches or `timeoutMs` passes
 * (the stream may still be in flight through the bridge and the ingest); the last answer is the verdict.
 */
export async function verifyUsage(
  api: ApiTarget,
  expected: readonly ExpectedUsage[],
  period: { start: Date; end: Date },
  options: { timeoutMs: number; intervalMs?: number; onAttempt?: (verification: Verification) => void },
): Promise<Verification> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const verification = await compareOnce(api, expected, period);
    options.onAttempt?.(verification);
    if (verification.mismatched.length === 0 || Date.now() >= deadline) return verification;
    await sleep(Math.min(options.intervalMs ?? 2_000, Math.max(0, deadline - Date.now())));
  }
}

/** One request for every project of the period; a project absent from the answer used nothing. */
async function compareOnce(
  api: ApiTarget,
  expected: readonly ExpectedUsage[],
  period: { start: Date; end: Date },
): Promise<Verification> {
  const reported = await fetchUsage(api, period);
  const verification: Verification = { verified: [], mismatched: [] };
  for (const project of expected) {
    const differences = differencesOf(project, reported.get(project.project_id) ?? NO_USAGE);
    if (differences.length === 0) verification.verified.push(project.project_id);
    else verification.mismatched.push({ projectId: project.project_id, differences });
  }
  return verification;
}

const NO_USAGE = {
  instances: { count: 0, seconds: 0, by_flavor: [], by_os: [] },
  volumes: { count: 0, seconds: 0, gigabyte_seconds: 0, by_volume_type: [] },
};

/** More pages than any simulated cloud has projects (100 per page): a cursor that never ends is a bug. */
const MAX_USAGE_PAGES = 1_000;

/** Every project of /v1/usage, following `next_cursor` page by page. */
async function fetchUsage(api: ApiTarget, period: { start: Date; end: Date }): Promise<Map<string, unknown>> {
  const usages = new Map<string, unknown>();
  let cursor: string | null = null;
  for (let page = 0; page < MAX_USAGE_PAGES; page++) {
    const url = new URL('/v1/usage', api.url);
    url.searchParams.set('start', almanachQueryDate(period.start));
    url.searchParams.set('end', almanachQueryDate(period.end));
    if (cursor !== null) url.searchParams.set('cursor', cursor);
    const response = await fetch(url, { headers: { 'X-Auth-Token': api.token } });
    if (!response.ok) {
      throw new Error(
        `GET ${url.pathname} answered ${response.status}: ${(await response.text()).slice(0, 200)}`,
      );
    }
    const body = (await response.json()) as {
      projects: { project_id: string }[];
      next_cursor: string | null;
    };
    for (const project of body.projects) usages.set(project.project_id, project);
    cursor = body.next_cursor;
    if (cursor === null) return usages;
  }
  throw new Error(`GET /v1/usage still had a next page after ${MAX_USAGE_PAGES} pages`);
}

/** Almanach parses period bounds strictly as `%Y-%m-%d %H:%M:%S.%f` (UTC). */
function almanachQueryDate(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/** Every quantity of `expected` compared with the same field of `actual`; groups matched by their key. */
export function differencesOf(expected: ExpectedUsage, actual: unknown): string[] {
  const differences: string[] = [];
  const compare = (path: string, want: unknown, got: unknown): void => {
    if (typeof want === 'number') {
      if (typeof got !== 'number' || Math.abs(want - got) > TOLERANCE) {
        differences.push(`${path}: expected ${want}, got ${String(got)}`);
      }
      return;
    }
    if (Array.isArray(want)) {
      compareGroups(path, want, Array.isArray(got) ? got : [], compare, differences);
      return;
    }
    if (want !== null && typeof want === 'object') {
      const gotObject = (got ?? {}) as Record<string, unknown>;
      for (const [key, value] of Object.entries(want)) compare(`${path}.${key}`, value, gotObject[key]);
    }
  };
  compare('instances', expected.instances, field(actual, 'instances'));
  compare('volumes', expected.volumes, field(actual, 'volumes'));
  return differences;
}

function compareGroups(
  path: string,
  want: readonly unknown[],
  got: readonly unknown[],
  compare: (path: string, want: unknown, got: unknown) => void,
  differences: string[],
): void {
  const byKey = new Map(got.map((group) => [groupKey(group), group]));
  for (const group of want) {
    const key = groupKey(group);
    compare(`${path}[${key}]`, group, byKey.get(key));
    byKey.delete(key);
  }
  for (const key of byKey.keys()) differences.push(`${path}[${key}]: not expected`);
}

/** The identifying fields of a usage group: every field that is not a quantity. */
function groupKey(group: unknown): string {
  if (group === null || typeof group !== 'object') return String(group);
  return Object.entries(group)
    .filter(([, value]) => typeof value !== 'number')
    .map(([, value]) => String(value))
    .join('/');
}

function field(value: unknown, name: string): unknown {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[name] : undefined;
}

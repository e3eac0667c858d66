import { z } from 'zod';
import { formatAlmanachDate } from '#domain/dates';
import { type Period, type ProjectUsage, projectUsage, usageByProject } from '#domain/usage';
import type { CsvTable } from '../csv.ts';
import { ValidationError } from '../errors.ts';
import { encodeCursor, nextPageHeaders, type PageQuery, pageOf, pageQueryShape } from '../pagination.ts';
import type { ApiResult } from '../route-spec.ts';
import type { ContextOf } from '../route-table.ts';
import { pagedPeriodQuery, type periodQuery } from '../schemas.ts';
import { periodOf } from './entities.ts';

// Beyond Almanach: what billing computes from the versions, computed here once (lib/domain/usage.ts) and
// served per project, or for every project of the period (paged by project for the monthly run).

const quantities = {
  count: z.number().int().describe('Distinct entities with usage in the period'),
  seconds: z.number().describe('Seconds of existence inside the period'),
  hours: z.number(),
};
const volumeQuantities = {
  ...quantities,
  gigabyte_seconds: z.number().describe('Size (GB) x seconds inside the period'),
  gigabyte_hours: z.number(),
};

export const projectUsageJsonSchema = z.object({
  project_id: z.string(),
  start: z.string(),
  end: z.string(),
  instances: z.object({
    ...quantities,
    by_flavor: z.array(z.object({ flavor: z.string().nullable(), ...quantities })),
    by_os: z.array(
      z.object({
        os_type: z.string().nullable(),
        distro: z.string().nullable(),
        version: z.string().nullable(),
        ...quantities,
      }),
    ),
  }),
  volumes: z.object({
    ...volumeQuantities,
    by_volume_type: z.array(z.object({ volume_type: z.string().nullable(), ...volumeQuantities })),
  }),
});

export const usageJsonSchema = z.object({
  start: z.string(),
  end: z.string(),
  projects: z.array(projectUsageJsonSchema),
  next_cursor: z.string().nullable().describe('Cursor of the next page of projects; null on the last page'),
});

type ProjectUsageJson = z.infer<typeof projectUsageJsonSchema>;

type Query = z.output<typeof periodQuery> & PageQuery;

export async function getProjectUsage({
  params,
  query,
  services,
}: ContextOf<'getProjectUsage'>): Promise<ApiResult> {
  const period = checkedPeriod(query, services.now());
  const { versions } = await services.queries.overlapping({ projectId: params.project_id, ...period });
  const usage = projectUsage(params.project_id, versions, period, services.now());
  return { status: 200, json: usageJson(usage, period), csv: usageCsv([usage]) };
}

const projectPosition = z.object({ projectId: z.string() });

/**
 * Projects per page of /v1/usage when `limit` is not given: a page reads every version of its projects,
 * so the whole fleet in one request could outgrow the function's memory and response.
 */
export const USAGE_PAGE_SIZE = 100;

export const usageQuery = pagedPeriodQuery.extend({
  limit: pageQueryShape.limit.describe(
    `Projects per page: ${USAGE_PAGE_SIZE} unless given (at most API_MAX_PAGE_SIZE); follow next_cursor for the rest`,
  ),
});

export async function getUsage({ query, request, services }: ContextOf<'getUsage'>): Promise<ApiResult> {
  const period = checkedPeriod(query, services.now());
  const page = pageOf(query, services.maxPageSize, projectPosition, USAGE_PAGE_SIZE);
  const { projectIds, more } = await services.queries.projectsOverlapping(period.start, period.end, {
    limit: page.limit,
    after: page.after?.projectId,
  });
  const versions = await services.queries.overlappingForProjects(projectIds, period.start, period.end);
  const usages = usageByProject(versions, period, services.now());
  const last = projectIds.at(-1);
  const next = more && last ? { projectId: last } : null;
  return {
    status: 200,
    json: {
      start: formatAlmanachDate(period.start),
      end: formatAlmanachDate(period.end),
      projects: usages.map((usage) => usageJson(usage, period)),
      next_cursor: next && encodeCursor(next),
    },
    csv: usageCsv(usages),
    headers: nextPageHeaders(request, next),
  };
}

function checkedPeriod(query: Query, now: Date): Period {
  const period = periodOf(query, now);
  if (period.end < period.start) throw new ValidationError('end', 'must not be before start');
  return period;
}

const hours = (seconds: number) => seconds / 3600;

export function usageJson(usage: ProjectUsage, period: Period): ProjectUsageJson {
  const { instances, volumes } = usage;
  return {
    project_id: usage.projectId,
    start: formatAlmanachDate(period.start),
    end: formatAlmanachDate(period.end),
    instances: {
      count: instances.entities,
      seconds: instances.seconds,
      hours: hours(instances.seconds),
      by_flavor: instances.byFlavor.map((line) => ({
        flavor: line.flavor,
        count: line.entities,
        seconds: line.seconds,
        hours: hours(line.seconds),
      })),
      by_os: instances.byOs.map((line) => ({
        ...line.os,
        count: line.entities,
        seconds: line.seconds,
        hours: hours(line.seconds),
      })),
    },
    volumes: {
      ...volumeQuantitiesOf(volumes),
      by_volume_type: volumes.byVolumeType.map((line) => ({
        volume_type: line.volumeType,
        ...volumeQuantitiesOf(line),
      })),
    },
  };
}

function volumeQuantitiesOf(line: { entities: number; seconds: number; gigabyteSeconds: number }) {
  return {
    count: line.entities,
    seconds: line.seconds,
    hours: hours(line.seconds),
    gigabyte_seconds: line.gigabyteSeconds,
    gigabyte_hours: hours(line.gigabyteSeconds),
  };
}

const USAGE_COLUMNS = [
  'project_id',
  'resource',
  'dimension',
  'key',
  'count',
  'seconds',
  'hours',
  'gigabyte_seconds',
  'gigabyte_hours',
] as const;

/** One line per total and per group: resource (instance|volume), dimension (total|flavor|os|volume_type). */
function usageCsv(usages: readonly ProjectUsage[]): CsvTable {
  const rows = usages.flatMap(({ projectId, instances, volumes }) => {
    const instanceRow = (
      dimension: string,
      key: string | null,
      line: { entities: number; seconds: number },
    ) => [
      projectId,
      'instance',
      dimension,
      key,
      line.entities,
      line.seconds,
      hours(line.seconds),
      null,
      null,
    ];
    const volumeRow = (
      dimension: string,
      key: string | null,
      line: { entities: number; seconds: number; gigabyteSeconds: number },
    ) => [
      projectId,
      'volume',
      dimension,
      key,
      line.entities,
      line.seconds,
      hours(line.seconds),
      line.gigabyteSeconds,
      hours(line.gigabyteSeconds),
    ];
    return [
      instanceRow('total', null, instances),
      ...instances.byFlavor.map((line) => instanceRow('flavor', line.flavor, line)),
      ...instances.byOs.map((line) =>
        instanceRow('os', [line.os.os_type, line.os.distro, line.os.version].join('/'), line),
      ),
      volumeRow('total', null, volumes),
      ...volumes.byVolumeType.map((line) => volumeRow('volume_type', line.volumeType, line)),
    ];
  });
  return { columns: USAGE_COLUMNS, rows };
}

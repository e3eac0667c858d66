import { z } from 'zod';
import { unstorablePart } from '#domain/storable';
import type { BodySpec } from './body.ts';
import type { CsvTable } from './csv.ts';
import { MissingParamError, ValidationError } from './errors.ts';
import type { ApiRequest } from './request.ts';
import type { ApiServices } from './services.ts';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';

/** Routes of one group share a Lambda function in AWS. */
export type RouteGroup = 'public' | 'read' | 'write';

export interface ResponseSpec {
  description: string;
  /** JSON body schema; no schema means an empty body. */
  schema?: z.ZodType;
  /** Also answers `Accept: text/csv`. */
  csv?: boolean;
  /** Plain-text body (Almanach's 401 `Unauthorized`). */
  text?: boolean;
  headers?: Record<string, string>;
}

export interface ApiResult {
  status: number;
  json?: unknown;
  /** The same content as `json`, for clients asking for CSV. */
  csv?: CsvTable;
  headers?: Record<string, string>;
}

export interface RouteContext<Params, Query, Body> {
  params: Params;
  query: Query;
  body: Body;
  request: ApiRequest;
  services: ApiServices;
}

type ObjectSchema = z.ZodObject<z.ZodRawShape>;

/**
 * One entry of the route table (route-table.ts): everything the Lambda handlers, the local server, the
 * OpenAPI document and the CDK stack need to know about a route, declared once. Its handler's context is
 * typed from it (RouteContextOf).
 */
export interface RouteSpec<Params extends ObjectSchema, Query extends ObjectSchema, Body> {
  method: HttpMethod;
  /** API Gateway syntax; every route is also served without the /v1 prefix (Almanach's unversioned paths). */
  path: `/v1/${string}`;
  group: RouteGroup;
  auth: boolean;
  summary: string;
  description?: string;
  params: Params;
  query: Query;
  body: BodySpec<Body>;
  responses: Record<number, ResponseSpec>;
}

export type AnyRouteSpec = RouteSpec<ObjectSchema, ObjectSchema, unknown>;

/** What the handler of a route table entry receives: its parameters, query and body, as parsed. */
export type RouteContextOf<Spec> =
  Spec extends RouteSpec<infer Params, infer Query, infer Body>
    ? RouteContext<z.output<Params>, z.output<Query>, Body>
    : never;

type RouteHandler<Params extends ObjectSchema, Query extends ObjectSchema, Body> = (
  context: RouteContext<z.output<Params>, z.output<Query>, Body>,
) => Promise<ApiResult>;

/** A route as served: its entry of the table, bound to its handler. */
export interface Route {
  name: string;
  method: HttpMethod;
  path: `/v1/${string}`;
  /** The versioned path and its unversioned alias. */
  paths: readonly string[];
  group: RouteGroup;
  auth: boolean;
  summary: string;
  description: string | undefined;
  params: ObjectSchema;
  query: ObjectSchema;
  body: z.ZodType | undefined;
  responses: Record<number, ResponseSpec>;
  run(request: ApiRequest, services: ApiServices): Promise<ApiResult>;
}

export function defineRoute<Params extends ObjectSchema, Query extends ObjectSchema, Body>(
  name: string,
  spec: RouteSpec<Params, Query, Body>,
  handler: RouteHandler<Params, Query, Body>,
): Route {
  return {
    name,
    method: spec.method,
    path: spec.path,
    paths: [spec.path, unversioned(spec.path)],
    group: spec.group,
    auth: spec.auth,
    summary: spec.summary,
    description: spec.description,
    params: spec.params,
    query: spec.query,
    body: spec.body.schema,
    responses: spec.responses,
    run: async (request, services) => {
      refuseUnstorable(request.pathParams);
      const params = parseOrReject(spec.params, request.pathParams);
      const query = parseOrReject(spec.query, Object.fromEntries(request.query));
      const json = spec.body.schema ? await request.readBody() : undefined;
      refuseUnstorable(json);
      const body = spec.body.parse(json, request.query);
      return handler({ params, query, body, request, services });
    },
  };
}

export function unversioned(path: string): string {
  return path.replace(/^\/v1(?=\/)/, '');
}

export function emptyObject() {
  return z.object({});
}

/**
 * What the store could not hold (#domain/storable) would fail in a write or a find as a 500: refused
 * first, naming the parameter or body field. Query values need no check here: each one a route reads is
 * validated by its own format (dates, digits, cursors).
 */
function refuseUnstorable(value: unknown): void {
  const part = unstorablePart(value);
  if (part) throw new ValidationError(part.path || 'body', part.reason);
}

/** A missing parameter is reported as Almanach reports its `start`; any other problem names the field. */
function parseOrReject<Schema extends ObjectSchema>(
  schema: Schema,
  value: Record<string, string>,
): z.output<Schema> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = String(issue?.path[0] ?? 'query');
  if (value[field] === undefined) throw new MissingParamError(field);
  throw new ValidationError(field, issue?.message ?? 'is invalid');
}

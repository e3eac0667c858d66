import { z } from 'zod';
import type { Route } from './route-spec.ts';
import { errorJsonSchema } from './serialize.ts';

/**
 * The OpenAPI 3.1 document, generated from the route table (JSON Schema 2020-12 from the zod schemas),
 * so it cannot drift from what the handlers accept and answer. Paths are the /v1 ones; every route is
 * also served without the prefix.
 */
export function openApiDocument(routes: readonly Route[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operation(route) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Almanach',
      version,
      description:
        "OpenStack usage ledger for billing: Almanach's v1 API (each route also answers without /v1), " +
        'plus usage summaries, pagination (limit/cursor) and CSV (Accept: text/csv) on lists.',
    },
    paths,
    components: {
      securitySchemes: { authToken: { type: 'apiKey', in: 'header', name: 'X-Auth-Token' } },
    },
  };
}

function operation(route: Route): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const [status, spec] of Object.entries(route.responses)) {
    const content: Record<string, unknown> = {};
    if (spec.schema) content['application/json'] = { schema: jsonSchema(spec.schema, 'output') };
    if (spec.csv) content['text/csv'] = { schema: { type: 'string' } };
    if (spec.text) content['text/plain'] = { schema: { type: 'string' } };
    responses[status] = {
      description: spec.description,
      ...(Object.keys(content).length > 0 && { content }),
      ...(spec.headers && {
        headers: Object.fromEntries(
          Object.entries(spec.headers).map(([name, description]) => [
            name,
            { description, schema: { type: 'string' } },
          ]),
        ),
      }),
    };
  }
  if (route.auth) {
    responses['401'] = {
      description: 'Missing or refused X-Auth-Token',
      content: { 'text/plain': { schema: { type: 'string', const: 'Unauthorized' } } },
    };
    responses['403'] = {
      description: 'A valid Keystone token without any of KEYSTONE_ALLOWED_ROLES: {"error": "Forbidden"}',
      content: { 'application/json': { schema: jsonSchema(errorJsonSchema, 'output') } },
    };
  }
  responses.default = {
    description: 'An error, as Almanach reports it',
    content: { 'application/json': { schema: jsonSchema(errorJsonSchema, 'output') } },
  };
  return {
    operationId: route.name,
    summary: route.summary,
    ...(route.description && { description: route.description }),
    tags: [route.group],
    security: route.auth ? [{ authToken: [] }] : [],
    parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query')],
    ...(route.body && {
      requestBody: {
        required: true,
        content: { 'application/json': { schema: jsonSchema(route.body, 'input') } },
      },
    }),
    responses,
  };
}

function parameters(schema: z.ZodObject<z.ZodRawShape>, location: 'path' | 'query'): unknown[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    const { description, ...fieldSchema } = jsonSchema(field, 'input');
    return {
      name,
      in: location,
      required: location === 'path' || !z.safeParse(field, undefined).success,
      ...(typeof description === 'string' && { description }),
      schema: fieldSchema,
    };
  });
}

function jsonSchema(schema: z.core.$ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  return rest;
}

import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openApiDocument } from '#http/openapi';
import { ROUTES } from '#http/route-table';

const document = openApiDocument(ROUTES, '0.1.0');
const operationsSchema = z.object({
  paths: z.record(
    z.string(),
    z.record(
      z.string(),
      z.object({
        operationId: z.string(),
        security: z.array(z.unknown()),
        parameters: z.array(z.object({ name: z.string(), description: z.string().optional() })),
        responses: z.record(z.string(), z.unknown()),
      }),
    ),
  ),
});
const { paths } = operationsSchema.parse(document);

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(document);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('describes every route of the table under its /v1 path', () => {
    const operations = Object.values(paths).flatMap((item) =>
      Object.values(item).map((operation) => operation.operationId),
    );
    expect(operations.sort()).toEqual(ROUTES.map((route) => route.name).sort());
  });

  it('asks for X-Auth-Token on the routes that need it', () => {
    expect(paths['/v1/project/{project_id}/instances']?.get?.security).toEqual([{ authToken: [] }]);
    expect(paths['/v1/info']?.get?.security).toEqual([]);
  });

  it('documents the default page size of /v1/usage', () => {
    const limit = paths['/v1/usage']?.get?.parameters.find((parameter) => parameter.name === 'limit');
    expect(limit?.description).toMatch(/^Projects per page: 100 unless given/);
  });

  it.each([
    '/v1/project/{project_id}/instances',
    '/v1/project/{project_id}/volumes',
    '/v1/project/{project_id}/entities',
    '/v1/entity/{entity_id}',
  ])('documents the 413 of %s above the list bound', (path) => {
    expect(paths[path]?.get?.responses).toHaveProperty('413');
  });
});

import { describe, expect, it } from 'vitest';
import { Router } from '#http/path-matcher';
import { ROUTES, routesOf } from '#http/route-table';

describe('the route table', () => {
  it('gives every route a unique name', () => {
    const names = ROUTES.map((route) => route.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('serves every /v1 route also without the prefix', () => {
    for (const route of ROUTES) expect(route.paths).toEqual([route.path, route.path.slice('/v1'.length)]);
  });

  it("declares Almanach's twenty v1 routes and the usage and OpenAPI routes", () => {
    expect(ROUTES.map((route) => `${route.method} ${route.path}`)).toEqual(
      expect.arrayContaining([
        'GET /v1/info',
        'GET /v1/project/{project_id}/instances',
        'GET /v1/project/{project_id}/volumes',
        'GET /v1/project/{project_id}/entities',
        'POST /v1/project/{project_id}/instance',
        'DELETE /v1/instance/{instance_id}',
        'PUT /v1/instance/{instance_id}/resize',
        'PUT /v1/instance/{instance_id}/rebuild',
        'POST /v1/project/{project_id}/volume',
        'DELETE /v1/volume/{volume_id}',
        'PUT /v1/volume/{volume_id}/resize',
        'PUT /v1/volume/{volume_id}/attach',
        'PUT /v1/volume/{volume_id}/detach',
        'PUT /v1/entity/instance/{instance_id}',
        'HEAD /v1/entity/{entity_id}',
        'GET /v1/entity/{entity_id}',
        'GET /v1/volume_types',
        'GET /v1/volume_type/{type_id}',
        'POST /v1/volume_type',
        'DELETE /v1/volume_type/{type_id}',
        'GET /v1/project/{project_id}/usage',
        'GET /v1/usage',
        'GET /v1/openapi.json',
      ]),
    );
    expect(ROUTES).toHaveLength(23);
  });

  it('requires a token everywhere but on info and the OpenAPI document', () => {
    expect(ROUTES.filter((route) => !route.auth).map((route) => route.name)).toEqual([
      'getInfo',
      'getOpenApi',
    ]);
    expect(routesOf('public').every((route) => !route.auth)).toBe(true);
  });

  it('sends every write to the write group', () => {
    const writes = ROUTES.filter((route) => route.method !== 'GET' && route.method !== 'HEAD');
    expect(writes.every((route) => route.group === 'write')).toBe(true);
  });
});

describe('the router', () => {
  const router = new Router(ROUTES);

  it('finds a route by path and extracts its decoded parameters', () => {
    const match = router.match('GET', '/v1/project/a%20b/instances');
    expect(match).toMatchObject({ type: 'route', params: { project_id: 'a b' } });
    expect(match.type === 'route' && match.route.name).toBe('listInstances');
  });

  it('finds the unversioned alias of a route', () => {
    const match = router.match('PUT', '/entity/instance/i-1');
    expect(match.type === 'route' && [match.route.name, match.routeKey]).toEqual([
      'updateInstanceEntity',
      'PUT /entity/instance/{instance_id}',
    ]);
  });

  it('tells a wrong method from an unknown path', () => {
    expect(router.match('POST', '/v1/info')).toEqual({ type: 'method-not-allowed', allowed: ['GET'] });
    expect(router.match('GET', '/v1/nothing/here')).toEqual({ type: 'not-found' });
  });

  it('finds a route by the routeKey API Gateway sends', () => {
    expect(router.byRouteKey('GET /volume_types')?.name).toBe('listVolumeTypes');
  });
});

import type { Route } from './route-spec.ts';

export type RouteMatch =
  | { type: 'route'; route: Route; params: Record<string, string>; routeKey: string }
  | { type: 'method-not-allowed'; allowed: string[] }
  | { type: 'not-found' };

interface CompiledPath {
  route: Route;
  template: string;
  pattern: RegExp;
  names: string[];
}

/**
 * Finds the route of a request. API Gateway has already matched it (event.routeKey, e.g.
 * `GET /v1/project/{project_id}/instances`); the local server and `$default` integrations match the path
 * against the same templates here. Hand-written: it only mirrors API Gateway's `{name}` templates, and a
 * router library (find-my-way, path-to-regexp) brings its own syntax and precedence, free to match
 * differently from what answers in AWS.
 */
export class Router {
  private readonly byKey = new Map<string, Route>();
  private readonly compiled: CompiledPath[] = [];

  constructor(readonly routes: readonly Route[]) {
    for (const route of routes) {
      for (const template of route.paths) {
        this.byKey.set(routeKey(route.method, template), route);
        this.compiled.push({ route, template, ...compile(template) });
      }
    }
  }

  /** By API Gateway's routeKey, with its already-extracted path parameters. */
  byRouteKey(key: string): Route | undefined {
    return this.byKey.get(key);
  }

  match(method: string, path: string): RouteMatch {
    const allowed = new Set<string>();
    for (const { route, template, pattern, names } of this.compiled) {
      const found = pattern.exec(path);
      if (!found) continue;
      if (route.method !== method) {
        allowed.add(route.method);
        continue;
      }
      const params = Object.fromEntries(names.map((name, index) => [name, decode(found[index + 1] ?? '')]));
      return { type: 'route', route, params, routeKey: routeKey(route.method, template) };
    }
    return allowed.size > 0 ? { type: 'method-not-allowed', allowed: [...allowed] } : { type: 'not-found' };
  }
}

export function routeKey(method: string, template: string): string {
  return `${method} ${template}`;
}

function compile(template: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const source = template
    .split('/')
    .map((segment) => {
      const parameter = /^\{(\w+)\}$/.exec(segment);
      if (!parameter?.[1]) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(parameter[1]);
      return '([^/]+)';
    })
    .join('/');
  return { pattern: new RegExp(`^${source}$`), names };
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

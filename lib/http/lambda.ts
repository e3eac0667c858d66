import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { apiConfigSchema } from '#config/api-schema';
import { loadConfig } from '#config/schema';
import { withResolvedSecrets } from '#config/secrets';
import { powertoolsSink } from '#observability/ingest-metrics';
import { logger, metrics } from '#observability/logger';
import { type ApiHandler, createApiHandler } from './api-handler.ts';
import type { RouteGroup } from './route-spec.ts';
import { routesOf } from './route-table.ts';
import { connectApiServices } from './services.ts';

/**
 * The Lambda of one route group, built once per cold start (config, MongoDB connection) and reused by
 * warm invocations. Tokens were checked by the authorizer: these functions hold no credential but the
 * MongoDB URI, read from Secrets Manager.
 */
export async function apiFunctionHandler(group: RouteGroup): Promise<ApiHandler> {
  const config = loadConfig(apiConfigSchema, await withResolvedSecrets());
  const services = await connectApiServices({ config, logger, metrics: powertoolsSink(metrics) });
  return createApiHandler({
    routes: routesOf(group),
    services,
    logger,
    maxBodyBytes: config.API_MAX_BODY_BYTES,
  })
    .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
    .use(logMetrics(metrics));
}

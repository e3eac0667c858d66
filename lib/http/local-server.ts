import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, BlockList, isIP } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import type { ApiConfig } from '#config/api-schema';
import { ConfigError } from '#config/schema';
import { CountingSink, type MetricSink } from '#observability/ingest-metrics';
import { asError } from '#observability/thrown';
import { type ApiHandler, createApiHandler } from './api-handler.ts';
import { tokenValidatorFor } from './auth/strategy.ts';
import type { TokenValidator, Verdict } from './auth/token-validator.ts';
import { PayloadTooLargeError } from './errors.ts';
import { type RouteMatch, Router } from './path-matcher.ts';
import type { ApiEvent } from './request.ts';
import { errorResponse, type HttpResponse, internalErrorResponse } from './response.ts';
import { ROUTES } from './route-table.ts';
import { type ApiServicesOptions, createApiServices } from './services.ts';

export interface ApiServerOptions {
  store: ApiServicesOptions['store'];
  config: ApiConfig;
  logger?: Logger;
  metrics?: MetricSink;
  /** Replaces the configured token check (tests). */
  validator?: TokenValidator;
  now?: () => Date;
}

export interface ApiServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * The API on one machine (`npm start`, tests): node:http turns each request into the API Gateway event
 * the Lambdas receive and calls the same handler with every route. There is no authorizer here, so the
 * server checks the token itself, for the routes that need it, and passes the verdict as the authorizer
 * would.
 */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { store, config } = options;
  refuseDefaultKeyBeyondLoopback(config);
  const logger = options.logger ?? new Logger({ serviceName: 'almanach-api' });
  const services = createApiServices({
    store,
    config,
    logger,
    metrics: options.metrics ?? new CountingSink(),
    ...(options.now && { now: options.now }),
  });
  const handler = createApiHandler({
    routes: ROUTES,
    services,
    logger,
    maxBodyBytes: config.API_MAX_BODY_BYTES,
  });
  const gateway = new LocalGateway(
    handler,
    new Router(ROUTES),
    options.validator ?? tokenValidatorFor(config, { logger }),
    config.API_MAX_BODY_BYTES,
    logger,
  );

  const server = createServer((request, response) => {
    void gateway.serve(request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.API_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = addressOf(server.address());
  const host = config.API_HOST.includes(':') ? `[${config.API_HOST}]` : config.API_HOST;
  logger.info('API listening', { url: `http://${host}:${port}` });
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

interface Arrival {
  method: string;
  url: URL;
  match: RouteMatch;
  headers: Record<string, string>;
  /** The token check's, for a route that needs a token. */
  verdict: Verdict | undefined;
  body: string;
}

/** Almanach's default private key, known to anyone who read its documentation (or ours). */
const DEFAULT_PRIVATE_KEY = 'secret';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** The default key is for one machine: a server others can reach must be given a key of its own. */
function refuseDefaultKeyBeyondLoopback(config: ApiConfig): void {
  if (!config.AUTH_STRATEGY.includes('private_key') || isLoopback(config.API_HOST)) return;
  const keys = config.ALMANACH_AUTH_TOKEN.split(/\r?\n/).map((key) => key.trim());
  if (keys.includes(DEFAULT_PRIVATE_KEY))
    throw new ConfigError(
      `ALMANACH_AUTH_TOKEN: the default key '${DEFAULT_PRIVATE_KEY}' is refused when API_HOST (${config.API_HOST}) is not a loopback address; set a key of your own`,
    );
}

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  const version = isIP(host);
  return version !== 0 && LOOPBACK.check(host, version === 4 ? 'ipv4' : 'ipv6');
}

class LocalGateway {
  constructor(
    private readonly handler: ApiHandler,
    private readonly router: Router,
    private readonly validator: TokenValidator,
    private readonly maxBodyBytes: number,
    private readonly logger: Logger,
  ) {}

  async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = (request.method ?? 'GET').toUpperCase();
    try {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const match = this.router.match(method, url.pathname);
      const headers = headersOf(request);
      const verdict =
        match.type === 'route' && match.route.auth
          ? await this.validator.validate(headers['x-auth-token'])
          : undefined;
      // Refused before its body is read: an anonymous client cannot make the API parse anything.
      const refused = verdict !== undefined && verdict !== 'accepted';
      const body = refused ? '' : await readBody(request, this.maxBodyBytes);
      const event = this.eventOf(request, { method, url, match, headers, verdict, body });
      const answer = await this.handler(event, lambdaContext(event.requestContext.requestId));
      if (!refused) return send(response, answer);
      // What the client still sends is not read, so the connection cannot serve another request.
      send(response, { ...answer, headers: { ...answer.headers, connection: 'close' } });
      request.resume();
    } catch (error) {
      if (error instanceof PayloadTooLargeError) {
        // Stop reading what the client still sends, and tell it the connection will not be reused.
        send(response, errorResponse(error, method, { connection: 'close' }));
        request.resume();
        return;
      }
      this.logger.error('local gateway failed', { error: asError(error) });
      if (!response.headersSent) send(response, internalErrorResponse(method));
    }
  }

  private eventOf(
    request: IncomingMessage,
    { method, url, match, headers, verdict, body }: Arrival,
  ): ApiEvent {
    const routeKey = match.type === 'route' ? match.routeKey : '$default';
    const requestId = randomUUID();
    const now = new Date();
    return {
      version: '2.0',
      routeKey,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      headers,
      ...(url.search && { queryStringParameters: queryParameters(url.searchParams) }),
      ...(match.type === 'route' && { pathParameters: match.params }),
      requestContext: {
        accountId: 'local',
        apiId: 'local',
        domainName: headers.host ?? 'localhost',
        domainPrefix: 'local',
        http: {
          method,
          path: url.pathname,
          protocol: `HTTP/${request.httpVersion}`,
          sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
          userAgent: headers['user-agent'] ?? '',
        },
        requestId,
        routeKey,
        stage: '$default',
        time: now.toISOString(),
        timeEpoch: now.getTime(),
        authorizer: { lambda: verdict === undefined ? {} : { verdict } },
      },
      ...(body.length > 0 && { body }),
      isBase64Encoded: false,
    };
  }
}

async function readBody(request: IncomingMessage, maxBytes: number): Promise<string> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw new PayloadTooLargeError(maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > maxBytes) throw new PayloadTooLargeError(maxBytes);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** As API Gateway passes them: lower-case names, repeated headers joined with commas. */
function headersOf(request: IncomingMessage): Record<string, string> {
  return Object.fromEntries(
    Object.entries(request.headers).flatMap(([name, value]) =>
      value === undefined ? [] : [[name.toLowerCase(), Array.isArray(value) ? value.join(',') : value]],
    ),
  );
}

function queryParameters(search: URLSearchParams): Record<string, string> {
  const parameters: Record<string, string> = {};
  for (const [name, value] of search)
    parameters[name] = name in parameters ? `${parameters[name]},${value}` : value;
  return parameters;
}

function send(response: ServerResponse, { statusCode, headers, body }: HttpResponse): void {
  const plainHeaders = Object.fromEntries(
    Object.entries(headers ?? {}).map(([name, value]) => [name, String(value)]),
  );
  response.writeHead(statusCode, plainHeaders);
  response.end(body);
}

function lambdaContext(requestId: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'almanach-api-local',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:almanach-api-local',
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: 'local',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function addressOf(address: string | AddressInfo | null): AddressInfo {
  if (address === null || typeof address === 'string') throw new Error('the API server has no TCP address');
  return address;
}

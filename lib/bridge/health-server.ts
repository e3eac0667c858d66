import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BridgeStatus } from './bridge.ts';

export interface HealthServer {
  url: string;
  close(): Promise<void>;
}

/**
 * GET /health for the ECS container health check: 200 while consuming and forwarding, 503 otherwise, with
 * the state and counters as JSON either way.
 */
export async function startHealthServer(
  status: () => BridgeStatus,
  { host, port }: { host: string; port: number },
): Promise<HealthServer> {
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://health').pathname;
    if (request.method !== 'GET' || path !== '/health') {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"not found"}');
      return;
    }
    const current = status();
    response
      .writeHead(current.healthy ? 200 : 503, {
        'content-type': 'application/json',
        'cache-control': 'no-store',
      })
      .end(JSON.stringify(current));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}/health`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

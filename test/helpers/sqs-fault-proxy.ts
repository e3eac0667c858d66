import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * - `pass`: every request reaches the emulator.
 * - `unavailable`: every request is answered 503, as SQS in an outage (the SDK retries, then fails).
 * - `fail-first-entry`: in each SendMessageBatch, the first entry not failed before is not stored and is
 *   reported failed on SQS's side (`SenderFault: false`); the others go through. A transient partial
 *   batch failure: each message fails once, then is accepted.
 */
export type FaultMode = 'pass' | 'unavailable' | 'fail-first-entry';

export interface SqsFaultProxy {
  endpoint: string;
  setMode(mode: FaultMode): void;
  /** SendMessageBatch entries reported failed so far. */
  failedEntries(): number;
  close(): Promise<void>;
}

interface BatchRequest {
  Entries?: { Id: string; MessageBody: string }[];
}

interface BatchResponse {
  Successful?: unknown[];
  Failed?: unknown[];
}

/** An HTTP relay on 127.0.0.1 in front of the SQS emulator that injects SQS faults on demand. */
export async function startSqsFaultProxy(targetEndpoint: string): Promise<SqsFaultProxy> {
  let mode: FaultMode = 'pass';
  let failed = 0;
  const failedBodies = new Set<string>();

  const relay = async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    let body = Buffer.concat(chunks).toString('utf8');
    if (mode === 'unavailable') {
      response
        .writeHead(503, { 'content-type': 'application/x-amz-json-1.0' })
        .end(JSON.stringify({ __type: 'com.amazonaws.sqs#ServiceUnavailable', message: 'injected outage' }));
      return;
    }
    const isBatch = request.headers['x-amz-target'] === 'AmazonSQS.SendMessageBatch';
    let dropped: { Id: string; MessageBody: string } | undefined;
    if (mode === 'fail-first-entry' && isBatch) {
      const parsed = JSON.parse(body) as BatchRequest;
      const index = parsed.Entries?.findIndex((entry) => !failedBodies.has(entry.MessageBody)) ?? -1;
      dropped = index >= 0 ? parsed.Entries?.splice(index, 1)[0] : undefined;
      if (dropped) failedBodies.add(dropped.MessageBody);
      body = JSON.stringify(parsed);
      if (dropped && parsed.Entries?.length === 0) {
        failed++;
        response
          .writeHead(200, { 'content-type': 'application/x-amz-json-1.0' })
          .end(JSON.stringify({ Successful: [], Failed: [injectedFailure(dropped.Id)] }));
        return;
      }
    }
    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(
        (entry): entry is [string, string] =>
          typeof entry[1] === 'string' && !['host', 'content-length', 'connection'].includes(entry[0]),
      ),
    );
    const upstream = await fetch(new URL(request.url ?? '/', targetEndpoint), {
      method: request.method ?? 'POST',
      headers,
      ...(request.method === 'GET' || request.method === 'HEAD' ? {} : { body }),
    });
    let text = await upstream.text();
    if (dropped && upstream.ok) {
      const parsed = JSON.parse(text) as BatchResponse;
      parsed.Failed = [...(parsed.Failed ?? []), injectedFailure(dropped.Id)];
      failed++;
      text = JSON.stringify(parsed);
    }
    response
      .writeHead(upstream.status, {
        'content-type': upstream.headers.get('content-type') ?? 'application/json',
      })
      .end(text);
  };

  const server: Server = createServer((request, response) => {
    relay(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(502);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address !== 'object') throw new Error('the SQS fault proxy has no address');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    setMode: (next) => {
      mode = next;
    },
    failedEntries: () => failed,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function injectedFailure(id: string) {
  return { Id: id, SenderFault: false, Code: 'InternalError', Message: 'injected partial failure' };
}

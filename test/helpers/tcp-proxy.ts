import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Resets every open connection (TCP RST: the client sees ECONNRESET, no protocol goodbye). */
  resetAll(): void;
  /** While true, new connections are reset at once, as an unreachable broker would refuse them. */
  refuse(refusing: boolean): void;
  /** Holds what the target answers for `ms` before relaying it (in order), as a slow server would. */
  delayResponses(ms: number): void;
  connections(): number;
  close(): Promise<void>;
}

/** A TCP relay on 127.0.0.1 in front of `target`, to cut a client's connection the hard way or slow it. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let refusing = false;
  let delayMs = 0;
  const server: Server = createServer((client) => {
    if (refusing) {
      client.resetAndDestroy();
      return;
    }
    const upstream = tcpConnect(target.port, target.host);
    const later = delayedRelay(upstream, client, () => delayMs);
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        open.delete(socket);
        // What the target sent before closing is still relayed, after the delay.
        if (socket === upstream) later(closeBoth);
        else closeBoth();
      });
    }
    client.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address !== 'object') throw new Error('the TCP proxy has no address');
  return {
    port: address.port,
    resetAll: () => {
      for (const socket of open) socket.resetAndDestroy();
    },
    refuse: (value) => {
      refusing = value;
    },
    delayResponses: (ms) => {
      delayMs = ms;
    },
    connections: () => open.size / 2,
    close: async () => {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Relays `from` to `to`, each chunk (and the end) held for the current delay, never out of order; returns
 * the scheduler, for whatever else must wait for the relayed data.
 */
function delayedRelay(from: Socket, to: Socket, delayMs: () => number): (action: () => void) => void {
  let releaseAt = 0;
  const later = (action: () => void) => {
    releaseAt = Math.max(releaseAt, Date.now() + delayMs());
    const wait = releaseAt - Date.now();
    if (wait <= 0) action();
    // Unreferenced: a relay still holding data never keeps the process alive.
    else setTimeout(action, wait).unref();
  };
  from.on('data', (chunk: Buffer) => later(() => to.write(chunk)));
  from.on('end', () => later(() => to.end()));
  return later;
}

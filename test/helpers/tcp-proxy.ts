import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Resets every open connection (TCP RST: the client sees ECONNRESET, no protocol goodbye). */
  resetAll(): void;
  /** While true, new connections are reset at once, as an unreachable broker would refuse them. */
  refuse(refusing: boolean): void;
  connections(): number;
  close(): Promise<void>;
}

/** A TCP relay on 127.0.0.1 in front of `target`, to cut a client's connection the hard way. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let refusing = false;
  const server: Server = createServer((client) => {
    if (refusing) {
      client.resetAndDestroy();
      return;
    }
    const upstream = tcpConnect(target.port, target.host);
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        open.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
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
    connections: () => open.size / 2,
    close: async () => {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

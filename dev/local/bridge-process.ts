import { type ChildProcess, spawn } from 'node:child_process';
import { type AddressInfo, createConnection, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface BridgeProcess {
  child: ChildProcess;
  /**
   * Resolves true once the bridge's health endpoint answers 200 (topology declared, consuming, SQS ok),
   * false if that takes longer than `timeoutMs` or the bridge exits first.
   */
  consuming(timeoutMs: number): Promise<boolean>;
  /** SIGTERM (the bridge flushes and acknowledges in-flight batches), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** The bridge runs as its own process, as it does on ECS: its crash or restart never takes the rest down. */
export function spawnBridge(env: Record<string, string | undefined>, healthUrl: string): BridgeProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'functions/bridge/index.ts'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    consuming: (timeoutMs) =>
      healthyWithin(healthUrl, timeoutMs, () => child.exitCode === null && child.signalCode === null),
    stop: async (graceMs = 25_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const graceful = await Promise.race([exited.then(() => true), sleep(graceMs, false, { ref: false })]);
      if (!graceful) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/**
 * Resolves true once the bridge's health endpoint answers 200 (topology declared, consuming, SQS ok), false
 * if that takes longer than `timeoutMs`, `alive` turns false (the process exited), or RabbitMQ refused the
 * bridge's declarations.
 */
export async function healthyWithin(
  healthUrl: string,
  timeoutMs: number,
  alive: () => boolean,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && alive()) {
    const health = await fetch(healthUrl, { signal: AbortSignal.timeout(1_000) }).then(
      async (response) => ({ ok: response.ok, body: await response.text() }),
      () => ({ ok: false, body: '' }),
    );
    if (health.ok) return true;
    // RabbitMQ refused a declaration (406): waiting does not fix a configuration.
    if (health.body.includes('"topologyMismatch"')) return false;
    await sleep(200);
  }
  return false;
}

/** Whether something accepts TCP connections at the broker's address (not a full AMQP handshake). */
export function brokerReachable(amqpUrl: string, timeoutMs = 1_000): Promise<boolean> {
  const url = new URL(amqpUrl);
  return new Promise((resolve) => {
    const socket = createConnection({ host: url.hostname, port: Number(url.port || 5672) });
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A port free on `host` now, so the parent knows where a child's port-0 server will listen. */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

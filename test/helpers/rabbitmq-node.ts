import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePort } from '#dev/ferretdb/server';

const run = promisify(execFile);

/** A RabbitMQ node of a test's own, to restart without disturbing the machine's broker. */
export interface RabbitNode {
  url: string;
  /** A real broker restart: the node stops (non-durable queues and exchanges are gone) and boots again. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 90_000;

/**
 * Starts a second node of the machine's RabbitMQ installation on free ports, with its own data directory
 * and no plugins (the machine's node holds the management port). The Debian scripts run the node as the
 * `rabbitmq` user, which must own the directory.
 */
export async function startRabbitNode(): Promise<RabbitNode> {
  const dir = await mkdtemp('/tmp/almanach-rabbitmq-');
  const [port, distPort] = [await freePort(), await freePort()];
  const node = `almanach-test-${randomBytes(3).toString('hex')}@localhost`;
  await mkdir(join(dir, 'mnesia'));
  await mkdir(join(dir, 'log'));
  await writeFile(join(dir, 'rabbitmq.conf'), `listeners.tcp.local = 127.0.0.1:${port}\n`);
  await writeFile(join(dir, 'enabled_plugins'), '[].\n');
  if (userInfo().uid === 0) await chownTree(dir, 'rabbitmq');
  const env = {
    ...process.env,
    RABBITMQ_NODENAME: node,
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_PID_FILE: join(dir, 'pid'),
    RABBITMQ_DIST_PORT: String(distPort),
  };
  const ctl = (...args: string[]) => run('rabbitmqctl', ['-n', node, ...args], { env, timeout: 60_000 });
  const boot = async () => {
    await run('rabbitmq-server', ['-detached'], { env, timeout: 60_000 });
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    // await_startup fails at once until the node registered with epmd.
    for (;;) {
      const ready = await ctl('await_startup', '--timeout', '30').then(
        () => true,
        () => false,
      );
      if (ready) return;
      if (Date.now() > deadline) throw new Error(`RabbitMQ node ${node} did not start (logs in ${dir}/log)`);
      await sleep(500);
    }
  };
  const halt = () => ctl('stop').then(() => undefined);

  await boot().catch(async (error: unknown) => {
    await halt().catch(() => undefined);
    throw error;
  });
  return {
    url: `amqp://guest:guest@127.0.0.1:${port}`,
    restart: async () => {
      await halt();
      await boot();
    },
    stop: async () => {
      await halt().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function chownTree(dir: string, user: string): Promise<void> {
  const { stdout } = await run('id', ['-u', user]);
  const { stdout: group } = await run('id', ['-g', user]);
  const [uid, gid] = [Number(stdout.trim()), Number(group.trim())];
  for (const path of [dir, join(dir, 'mnesia'), join(dir, 'log')]) await chown(path, uid, gid);
}

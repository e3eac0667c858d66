import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { freePort } from '#dev/ferretdb/server';

const run = promisify(execFile);

declare module 'vitest' {
  export interface ProvidedContext {
    /** The keystone suites' Keystone: its v3 endpoint and the password of its `admin` user. */
    keystone: { url: string; adminPassword: string };
  }
}

const ADMIN_PASSWORD = 'almanach-test-admin';
const STARTUP_TIMEOUT_MS = 120_000;
const WAL_MODE = "import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute('pragma journal_mode=wal')";

/**
 * Debian's keystone package as a plain process: SQLite and fernet keys in a temporary directory, then the
 * development WSGI server keystone-wsgi-public on a free loopback port. Vitest globalSetup of the keystone
 * project; dev/test.sh installs the package.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const keystone = await startKeystone();
  process.stderr.write(`keystone tests: Keystone at ${keystone.url}\n`);
  project.provide('keystone', { url: keystone.url, adminPassword: ADMIN_PASSWORD });
  return () => keystone.stop();
}

interface RunningKeystone {
  url: string;
  stop(): Promise<void>;
}

async function startKeystone(): Promise<RunningKeystone> {
  const dir = await mkdtemp(join(tmpdir(), 'almanach-keystone-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/v3`;
  const config = join(dir, 'keystone.conf');
  await writeFile(
    config,
    [
      '[DEFAULT]',
      `log_dir = ${dir}`,
      '[database]',
      `connection = sqlite:///${join(dir, 'keystone.db')}`,
      '[token]',
      'provider = fernet',
      '[fernet_tokens]',
      `key_repository = ${join(dir, 'fernet-keys')}`,
      '[credential]',
      `key_repository = ${join(dir, 'credential-keys')}`,
      '',
    ].join('\n'),
  );
  let server: ChildProcess | undefined;
  const stop = async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server?.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const manage = (...args: string[]) =>
      run('keystone-manage', ['--config-file', config, ...args], { timeout: 180_000 });
    const owner = [
      '--keystone-user',
      String(process.getuid?.() ?? 0),
      '--keystone-group',
      String(process.getgid?.() ?? 0),
    ];
    // Independent steps, each mostly Python start-up: side by side.
    await Promise.all([
      manage('db_sync'),
      manage('fernet_setup', ...owner),
      manage('credential_setup', ...owner),
    ]);
    await manage('bootstrap', '--bootstrap-password', ADMIN_PASSWORD, '--bootstrap-public-url', url);
    // In SQLite's default journal mode a connection left reading blocks another's commit ("database is
    // locked"); write-ahead logging lets Keystone's pooled connections read while one writes.
    await run('/usr/bin/python3', ['-c', WAL_MODE, join(dir, 'keystone.db')]);
    const logFile = join(dir, 'keystone-wsgi-public.log');
    const log = openSync(logFile, 'a');
    server = spawn(
      'keystone-wsgi-public',
      ['--port', String(port), '--host', '127.0.0.1', '--', '--config-file', config],
      { stdio: ['ignore', log, log] },
    );
    closeSync(log);
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    while (
      !(await fetch(url).then(
        (response) => response.ok,
        () => false,
      ))
    ) {
      if (server.exitCode !== null || Date.now() > deadline) {
        throw new Error(`Keystone did not start: ${await readFile(logFile, 'utf8').catch(() => '')}`);
      }
      await sleep(250);
    }
    return { url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

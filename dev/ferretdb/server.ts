import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MongoClient } from 'mongodb';
import { errorMessage } from '#observability/thrown';
import { ensureFerretdbBinary } from './binary.ts';
import { createScratchDatabase, DEFAULT_POSTGRESQL_URL, postgresqlReachable } from './postgres-database.ts';

export { ensureFerretdbBinary, FERRETDB_VERSION, ferretdbBinaryPath } from './binary.ts';

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;

export interface FerretdbOptions {
  /** Kept as is on stop(); a temporary directory is created (and removed on stop) when omitted. */
  dataDir?: string;
  /**
   * Back FerretDB with this PostgreSQL server (a scratch database is created on it and dropped on stop)
   * instead of SQLite files: several times faster for the integration suite.
   */
  postgresqlUrl?: string;
  port?: number;
  logFile?: string;
}

export interface FerretdbServer {
  uri: string;
  port: number;
  dataDir: string;
  logFile: string;
  /** Ends the server for good (SIGTERM, then SIGKILL) and removes the data directory it created. */
  stop(): Promise<void>;
  /** Fault injection: signals the server without waiting; restart() brings it back with its data. */
  kill(signal?: NodeJS.Signals): void;
  /** Starts the server again on the same port and data directory once it has exited. */
  restart(): Promise<void>;
}

/**
 * What the test suites run FerretDB on: FERRETDB_BACKEND=sqlite|postgresql decides; unset, the PostgreSQL
 * at FERRETDB_POSTGRESQL_URL (default: this machine's) when it answers, else SQLite.
 */
export async function testFerretdbOptions(): Promise<FerretdbOptions> {
  const backend = process.env.FERRETDB_BACKEND;
  if (backend === 'sqlite' || backend === 'postgresql') return ferretdbOptionsFor(backend);
  const url = postgresqlUrl();
  return (await postgresqlReachable(url)) ? { postgresqlUrl: url } : {};
}

export type FerretdbBackend = 'sqlite' | 'postgresql';

/** FerretDB on this backend: SQLite files, or the PostgreSQL at FERRETDB_POSTGRESQL_URL (default: this machine's). */
export async function ferretdbOptionsFor(backend: FerretdbBackend): Promise<FerretdbOptions> {
  return backend === 'sqlite' ? {} : { postgresqlUrl: postgresqlUrl() };
}

function postgresqlUrl(): string {
  return process.env.FERRETDB_POSTGRESQL_URL || DEFAULT_POSTGRESQL_URL;
}

/** A FerretDB (MongoDB wire protocol over SQLite files or PostgreSQL) on a loopback port, ready to answer `ping`. */
export async function startFerretdb(options: FerretdbOptions = {}): Promise<FerretdbServer> {
  const binary = await ensureFerretdbBinary();
  const port = options.port ?? (await freePort());
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'almanach-ferretdb-')));
  const logFile = options.logFile ?? join(dataDir, 'ferretdb.log');
  const uri = `mongodb://${HOST}:${port}/`;
  const postgres = options.postgresqlUrl ? await createScratchDatabase(options.postgresqlUrl) : undefined;
  const backend = postgres
    ? ['--handler=pg', `--postgresql-url=${postgres.url}`]
    : ['--handler=sqlite', `--sqlite-url=file:${dataDir}/`];
  let running: RunningProcess | undefined;

  const launch = async () => {
    await mkdir(dataDir, { recursive: true });
    running = spawnFerretdb(binary, { port, dataDir, logFile, backend });
    await waitUntilReady(running, { port, uri, logFile });
  };

  try {
    await launch();
  } catch (error) {
    await running?.terminate();
    await postgres?.drop();
    if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
    throw error;
  }

  return {
    uri,
    port,
    dataDir,
    logFile,
    kill: (signal = 'SIGKILL') => {
      running?.child.kill(signal);
    },
    restart: async () => {
      await running?.terminate();
      await launch();
    },
    stop: async () => {
      await running?.terminate();
      await postgres?.drop();
      if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

interface RunningProcess {
  child: ChildProcess;
  exited: Promise<void>;
  hasExited(): boolean;
  /** SIGTERM, SIGKILL after a grace period; resolves once the process is gone. */
  terminate(): Promise<void>;
}

function spawnFerretdb(
  binary: string,
  { port, dataDir, logFile, backend }: { port: number; dataDir: string; logFile: string; backend: string[] },
): RunningProcess {
  const log = openSync(logFile, 'a');
  const child = spawn(
    binary,
    [
      ...backend,
      `--state-dir=${dataDir}`,
      `--listen-addr=${HOST}:${port}`,
      '--telemetry=disable',
      '--debug-addr=-',
      '--log-level=error',
    ],
    { stdio: ['ignore', log, log] },
  );
  closeSync(log);

  let gone = false;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  }).then(() => {
    gone = true;
    process.off('exit', killOnExit);
  });
  // Never leave an orphan server behind when the parent exits without stopping it.
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);

  return {
    child,
    exited,
    hasExited: () => gone,
    terminate: async () => {
      if (gone) return;
      child.kill('SIGTERM');
      // Unreferenced: a pending grace timer must not keep the parent alive once the server is gone.
      const graceful = await Promise.race([
        exited.then(() => true),
        sleep(STOP_GRACE_MS, false, { ref: false }),
      ]);
      if (!graceful) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

async function waitUntilReady(
  server: RunningProcess,
  { port, uri, logFile }: { port: number; uri: string; logFile: string },
): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError = 'no attempt yet';
  while (Date.now() < deadline) {
    if (server.hasExited()) {
      throw new Error(
        `FerretDB exited during start-up (code ${server.child.exitCode}, signal ${server.child.signalCode}); ` +
          `log ${logFile}:\n${await logTail(logFile)}`,
      );
    }
    try {
      await acceptsConnections(port);
      await answersPing(uri);
      return;
    } catch (error) {
      lastError = errorMessage(error);
      await sleep(100);
    }
  }
  await server.terminate();
  throw new Error(
    `FerretDB did not answer ping on ${uri} within ${READY_TIMEOUT_MS / 1000} s (last error: ${lastError}); ` +
      `log ${logFile}:\n${await logTail(logFile)}`,
  );
}

function acceptsConnections(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: HOST, port });
    socket.setTimeout(1_000, () => socket.destroy(new Error(`connecting to ${HOST}:${port} timed out`)));
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
    socket.once('error', reject);
  });
}

async function answersPing(uri: string): Promise<void> {
  const client = new MongoClient(uri, {
    directConnection: true,
    serverSelectionTimeoutMS: 2_000,
    connectTimeoutMS: 2_000,
  });
  try {
    await client.db('admin').command({ ping: 1 });
  } finally {
    await client.close();
  }
}

/** A port free on loopback right now; FerretDB binds it a moment later. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not read the port of a probe listener'));
      });
    });
  });
}

async function logTail(logFile: string, bytes = 4_000): Promise<string> {
  try {
    const file = await open(logFile, 'r');
    try {
      const { size } = await file.stat();
      const buffer = Buffer.alloc(Math.min(size, bytes));
      await file.read(buffer, 0, buffer.length, size - buffer.length);
      return buffer.toString('utf8').trimEnd() || '(empty)';
    } finally {
      await file.close();
    }
  } catch (error) {
    return `(unreadable: ${errorMessage(error)})`;
  }
}

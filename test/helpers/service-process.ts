import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitUntil } from './wait.ts';

const repository = fileURLToPath(new URL('../..', import.meta.url));

export type LogLine = Record<string, unknown> & { message?: string };

/** The long-running entry points, each a process of its own as ECS or the local stack runs them. */
export const SERVICES = {
  bridge: 'functions/bridge/index.ts',
  ingestWorker: 'dev/local/ingest-worker.ts',
} as const;

/** A long-running entry point (SERVICES) as its own process, its JSON logs parsed. */
export class ServiceProcess {
  readonly logs: LogLine[] = [];
  readonly stderr: string[] = [];
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    private readonly child: ChildProcess,
    readonly name: string,
  ) {
    // Powertools writes errors and warnings to stderr, the rest to stdout: both are JSON lines.
    for (const stream of [child.stdout, child.stderr]) {
      let pending = '';
      stream?.setEncoding('utf8').on('data', (chunk: string) => {
        if (stream === child.stderr) this.stderr.push(chunk);
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) this.logs.push(parseLine(line));
      });
    }
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  static start(service: keyof typeof SERVICES, environment: Record<string, string>): ServiceProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', SERVICES[service]], {
      cwd: repository,
      env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'INFO', ...environment },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new ServiceProcess(child, service);
  }

  /** The first log line with this message, waiting for it at most `timeoutMs`. */
  async logged(message: string, timeoutMs: number): Promise<LogLine> {
    await waitUntil(
      `the ${this.name} logs "${message}" (stderr: ${this.stderr.join('').slice(-500)})`,
      () => this.logs.some((line) => line.message === message),
      timeoutMs,
    );
    return this.logs.find((line) => line.message === message) ?? {};
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Log lines with this message so far. */
  count(message: string): number {
    return this.logs.filter((line) => line.message === message).length;
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** The exit code and signal; fails (and kills the process) if it has not exited within `timeoutMs`. */
  async exit(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the ${this.name} did not exit within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** For cleanup after a failed test: never leaves a process behind. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

function parseLine(line: string): LogLine {
  try {
    return JSON.parse(line) as LogLine;
  } catch {
    return { message: line };
  }
}

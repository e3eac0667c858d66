import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitUntil } from './wait.ts';

const repository = fileURLToPath(new URL('../..', import.meta.url));

export type LogLine = Record<string, unknown> & { message?: string };

/** functions/bridge/index.ts as its own process, as ECS or the local stack runs it; its JSON logs parsed. */
export class BridgeProcess {
  readonly logs: LogLine[] = [];
  readonly stderr: string[] = [];
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(private readonly child: ChildProcess) {
    let pending = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) this.logs.push(parseLine(line));
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => this.stderr.push(chunk));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  static start(environment: Record<string, string>): BridgeProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', 'functions/bridge/index.ts'], {
      cwd: repository,
      env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'INFO', ...environment },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new BridgeProcess(child);
  }

  /** The first log line with this message, waiting for it at most `timeoutMs`. */
  async logged(message: string, timeoutMs: number): Promise<LogLine> {
    await waitUntil(
      `the bridge logs "${message}" (stderr: ${this.stderr.join('').slice(-500)})`,
      () => this.logs.some((line) => line.message === message),
      timeoutMs,
    );
    return this.logs.find((line) => line.message === message) ?? {};
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** The exit code and signal; fails (and kills the process) if it has not exited within `timeoutMs`. */
  async exit(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the bridge did not exit within ${timeoutMs} ms`)),
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
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
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

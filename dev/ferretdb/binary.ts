import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, chmod, cp, mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

export const FERRETDB_VERSION = 'v1.24.2';
const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';
const GO_INSTALL_HINT =
  'install Go ≥ 1.24 (https://go.dev/dl/, e.g. into /usr/local/go) and put its bin/ on PATH, ' +
  'or set MONGODB_URI to use an existing MongoDB instead';

/** Outside the repo so clones, worktrees and `git clean` share one build. */
export function ferretdbBinaryPath(): string {
  const cacheRoot = process.env.ALMANACH_CACHE_DIR || join(homedir(), '.cache', 'almanach');
  return join(cacheRoot, `ferretdb-${FERRETDB_VERSION}`, 'ferretdb');
}

/** The cached FerretDB binary, built from the Go module proxy the first time (2–4 minutes). */
export async function ensureFerretdbBinary(): Promise<string> {
  const binary = ferretdbBinaryPath();
  if (await isExecutable(binary)) return binary;

  const go = await findGo();
  process.stderr.write(`building FerretDB ${FERRETDB_VERSION} into ${binary} (first run only, ~2-4 min)\n`);
  const started = Date.now();
  await mkdir(dirname(binary), { recursive: true });
  // A unique name in the destination directory, renamed at the end: concurrent builders never see a
  // half-written binary, and the last rename simply wins with an identical file.
  const partial = `${binary}.${process.pid}.${randomBytes(4).toString('hex')}.partial`;
  const source = await mkdtemp(join(tmpdir(), 'almanach-ferretdb-src-'));
  try {
    await prepareSource(go, source);
    process.stderr.write('compiling FerretDB\n');
    await runGo(go, ['build', '-trimpath', '-o', partial, './cmd/ferretdb'], source, 'go build');
    await rename(partial, binary);
  } finally {
    await removeTree(source);
    await rm(partial, { force: true });
  }
  process.stderr.write(`built FerretDB in ${Math.round((Date.now() - started) / 1000)} s: ${binary}\n`);
  return binary;
}

/**
 * A writable copy of the module's source with build/version/version.txt filled in. That file is generated
 * from git in FerretDB's own build, and the module zip lacks it: a plain `go install` builds a binary
 * that panics at start-up ("Invalid build/version/version.txt").
 */
async function prepareSource(go: string, destination: string): Promise<void> {
  process.stderr.write(`downloading ${FERRETDB_MODULE}@${FERRETDB_VERSION}\n`);
  const downloaded = await runGo(
    go,
    ['mod', 'download', '-json', `${FERRETDB_MODULE}@${FERRETDB_VERSION}`],
    tmpdir(),
    'go mod download',
  );
  const moduleDir = parseModuleDir(downloaded);
  await cp(moduleDir, destination, { recursive: true });
  // The module cache is read-only; the copy keeps those modes.
  await makeWritable(destination);
  await writeFile(join(destination, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
}

function parseModuleDir(goModDownloadJson: string): string {
  const parsed: unknown = JSON.parse(goModDownloadJson);
  if (typeof parsed === 'object' && parsed !== null && 'Dir' in parsed && typeof parsed.Dir === 'string') {
    return parsed.Dir;
  }
  throw new Error(`FerretDB build: 'go mod download -json' gave no module directory: ${goModDownloadJson}`);
}

async function findGo(): Promise<string> {
  const candidates = [
    ...(process.env.PATH ?? '').split(delimiter).filter(Boolean),
    '/usr/local/go/bin', // where the official tarball installs, often not on PATH
  ].map((directory) => join(directory, 'go'));
  for (const candidate of candidates) {
    if (await isExecutable(candidate)) return candidate;
  }
  throw new Error(
    `FerretDB build needs the Go toolchain (go), found neither on PATH nor in /usr/local/go/bin: ${GO_INSTALL_HINT}.`,
  );
}

/** Runs go and returns its stdout; a failure becomes one error carrying the tail of go's stderr. */
function runGo(go: string, args: string[], cwd: string, what: string): Promise<string> {
  const env = {
    ...process.env,
    PATH: [dirname(go), process.env.PATH].filter(Boolean).join(delimiter),
    CGO_ENABLED: '0',
    // -mod=mod: the copied module is built as the main module, outside any workspace or vendor setup.
    GOFLAGS: [process.env.GOFLAGS, '-mod=mod'].filter(Boolean).join(' '),
  };
  return new Promise((resolve, reject) => {
    const child = spawn(go, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error) =>
      reject(new Error(`FerretDB build could not run ${go} (${error.message}): ${GO_INSTALL_HINT}.`)),
    );
    child.on('close', (code, signal) => {
      if (code === 0) return resolve(Buffer.concat(stdout).toString('utf8'));
      const output = Buffer.concat([...stderr, ...stdout]).toString('utf8');
      reject(
        new Error(
          `FerretDB build failed: '${what}' exited with ${signal ?? `code ${code}`} ` +
            `(needs Go ≥ 1.24 and access to proxy.golang.org).\n${tail(output, 30)}`,
        ),
      );
    });
  });
}

async function makeWritable(root: string): Promise<void> {
  await chmod(root, 0o755);
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    const path = join(entry.parentPath, entry.name);
    await chmod(path, entry.isDirectory() ? 0o755 : 0o644);
  }
}

async function removeTree(root: string): Promise<void> {
  await makeWritable(root).catch(() => undefined);
  await rm(root, { recursive: true, force: true });
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Lambda cold start, as far as this machine can tell: each entry in functions/ bundled exactly as the CDK
 * construct bundles it (ALMANACH_BUNDLING, one source of truth), its size raw and gzipped, and the time a
 * fresh `node` takes to import it (performance.now around `await import()`), the median of N processes
 * started with the functions' own environment (NODE_OPTIONS=--enable-source-maps). The first import of
 * each bundle is a warm-up and not counted (file cache; the first one also creates the indexes).
 *
 * The API and ingest entries connect to MongoDB and ensure its indexes at import (top-level await in
 * openStore), so their imports are given a local FerretDB (or MONGODB_URI) and include that round trip.
 * Baselines bundled alike in the same run: an empty handler, a handler that only imports the MongoDB
 * driver, and one that only opens the store (driver + connect + indexes), which separates our modules'
 * own start-up from the connection's. AWS is never called: the secrets are given as plain variables and
 * the SDK's endpoint points at a closed loopback port. `@aws-sdk/*` stays external as in Lambda, where
 * the runtime provides it: it is not in the bytes, but loading it is in the import time.
 *
 *   npx tsx bench/cold-start.ts   (BENCH_COLD_STARTS=10 imports per bundle; MONGODB_URI to use that server)
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, readFile, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { type BuildOptions, build } from 'esbuild';
import { z } from 'zod';
import { startBenchmarkDatabase } from '#dev/benchmarking/benchmark-database';
import { envInteger, progress, within } from '#dev/benchmarking/harness';
import { percentile, publish, type Row, ratio, round } from '#dev/benchmarking/report';
import { ALMANACH_BUNDLING, ALMANACH_FUNCTION_ENVIRONMENT } from '../infra/constructs/almanach-function.ts';

const COLD_STARTS = envInteger('BENCH_COLD_STARTS', 10);

const REPO = fileURLToPath(new URL('../', import.meta.url));
const BUNDLE_TIMEOUT_MS = 60_000;
/** Longer than the driver's server selection timeout below: a failed connection reports, not hangs. */
const IMPORT_TIMEOUT_MS = 30_000;
const SERVER_SELECTION_TIMEOUT_MS = '10000';
/** Nothing listens there: an accidental AWS call fails at once and never leaves the machine. */
const CLOSED_LOOPBACK_ENDPOINT = 'http://127.0.0.1:9';

type Source = { entry: string } | { code: string };

interface Bundle {
  name: string;
  source: Source;
  /** The entry connects to MongoDB at import. */
  needsStore: boolean;
  baseline?: 'empty' | 'mongodb-only';
}

const BUNDLES: readonly Bundle[] = [
  {
    name: 'baseline: empty handler',
    source: { code: 'export const handler = async () => ({});' },
    needsStore: false,
    baseline: 'empty',
  },
  {
    name: 'baseline: mongodb driver only',
    source: {
      code: "import { MongoClient } from 'mongodb';\nexport const handler = async () => ({ driver: MongoClient.name });",
    },
    needsStore: false,
    baseline: 'mongodb-only',
  },
  {
    name: 'baseline: openStore only',
    source: {
      code: [
        "import { loadConfig, storeConfigSchema } from '#config/schema';",
        "import { openStore } from '#store/mongo-client';",
        'const store = await openStore(loadConfig(storeConfigSchema));',
        'export const handler = async () => ({ collection: store.collections.entity.collectionName });',
      ].join('\n'),
    },
    needsStore: true,
  },
  { name: 'functions/api/authorizer', source: { entry: 'functions/api/authorizer.ts' }, needsStore: false },
  { name: 'functions/api/public', source: { entry: 'functions/api/public.ts' }, needsStore: true },
  { name: 'functions/api/read', source: { entry: 'functions/api/read.ts' }, needsStore: true },
  { name: 'functions/api/write', source: { entry: 'functions/api/write.ts' }, needsStore: true },
  { name: 'functions/ingest', source: { entry: 'functions/ingest/index.ts' }, needsStore: true },
];

/** esbuild's options for what `cdk synth` runs (`esbuild --bundle --platform=node …` from the same props). */
const ESBUILD_OPTIONS: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: ALMANACH_BUNDLING.format === OutputFormat.ESM ? 'esm' : 'cjs',
  target: ALMANACH_BUNDLING.target,
  minify: ALMANACH_BUNDLING.minify,
  sourcemap: ALMANACH_BUNDLING.sourceMap,
  external: ALMANACH_BUNDLING.externalModules,
  banner: { js: ALMANACH_BUNDLING.banner },
  absWorkingDir: REPO,
  logLevel: 'error',
};

/** Runs in each fresh process: the import alone is timed, then the verdict goes back over IPC. */
const IMPORT_TIMER = `
const started = performance.now();
await import(process.argv[1]);
const ms = performance.now() - started;
process.send({ ms }, () => process.exit(0));
`;

interface Measured {
  bundle: Bundle;
  bytes: number;
  gzipBytes: number;
  initMs: number[];
}

const outDir = await mkdtemp(join(tmpdir(), 'almanach-cold-start-'));
// Removed however the run ends, npm run bench's time limit (SIGTERM) included.
process.once('exit', () => rmSync(outDir, { recursive: true, force: true }));
// As in Lambda, the externals (@aws-sdk/*) resolve outside the bundle: here, from the repo's node_modules.
await symlink(join(REPO, 'node_modules'), join(outDir, 'node_modules'), 'dir');
const database = await startBenchmarkDatabase('bench_cold_start');
const measured: Measured[] = [];
try {
  for (const bundle of BUNDLES) {
    const file = await within(`bundling ${bundle.name}`, BUNDLE_TIMEOUT_MS, bundleOf(bundle, outDir));
    const code = await readFile(file);
    const env = environmentFor(bundle);
    await timedImport(file, env);
    const initMs: number[] = [];
    for (let run = 0; run < COLD_STARTS; run++) initMs.push(await timedImport(file, env));
    progress(`${bundle.name}: median ${round(percentile(initMs, 50), 1)} ms`);
    measured.push({ bundle, bytes: (await stat(file)).size, gzipBytes: gzipSync(code).length, initMs });
  }
} finally {
  await database.stop();
}

const baselineMedian = (kind: Bundle['baseline']) =>
  percentile(measured.find(({ bundle }) => bundle.baseline === kind)?.initMs ?? [], 50);
const emptyMs = baselineMedian('empty');
const driverOnlyMs = baselineMedian('mongodb-only');
const rows: Row[] = measured.map(({ bundle, bytes, gzipBytes, initMs }) => {
  const median = percentile(initMs, 50);
  return {
    bundle: bundle.name,
    bytes,
    'gzip bytes': gzipBytes,
    'init ms (median)': round(median, 1),
    'init p90 ms': round(percentile(initMs, 90), 1),
    'init vs empty': ratio(median, emptyMs),
    'init vs mongodb-only': ratio(median, driverOnlyMs),
  };
});

await publish({
  benchmark: 'cold-start',
  title: 'Lambda bundles (esbuild, ALMANACH_BUNDLING): size and module initialisation in a fresh node',
  parameters: {
    coldStarts: COLD_STARTS,
    bundling: `esbuild ${ALMANACH_BUNDLING.format} ${ALMANACH_BUNDLING.target}, minified, source maps`,
    nodeOptions: ALMANACH_FUNCTION_ENVIRONMENT.NODE_OPTIONS,
    store: `${database.server} on loopback, connected at import by the API and ingest entries`,
  },
  rows,
});

async function bundleOf(bundle: Bundle, directory: string): Promise<string> {
  const outfile = join(directory, `${bundle.name.replace(/[^A-Za-z0-9]+/g, '-')}.mjs`);
  const source: BuildOptions =
    'entry' in bundle.source
      ? { entryPoints: [bundle.source.entry] }
      : { stdin: { contents: bundle.source.code, resolveDir: REPO, sourcefile: 'handler.ts', loader: 'ts' } };
  await build({ ...ESBUILD_OPTIONS, ...source, outfile });
  return outfile;
}

/** What the function's configuration would hold, with every address on loopback. */
function environmentFor(bundle: Bundle): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    ...ALMANACH_FUNCTION_ENVIRONMENT,
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: CLOSED_LOOPBACK_ENDPOINT,
    ALMANACH_AUTH_TOKEN: 'secret',
    ...(bundle.needsStore && {
      MONGODB_URI: database.uri,
      MONGODB_DATABASE: database.database,
      MONGODB_SERVER_SELECTION_TIMEOUT_MS: SERVER_SELECTION_TIMEOUT_MS,
    }),
  };
}

/** Milliseconds the import of `file` took in a fresh node process. */
function timedImport(file: string, env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--input-type=module', '-e', IMPORT_TIMER, pathToFileURL(file).href],
      { env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] },
    );
    let stderr = '';
    let ms: number | undefined;
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4_000);
    });
    child.on('message', (message: unknown) => {
      ms = z.object({ ms: z.number() }).parse(message).ms;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), IMPORT_TIMEOUT_MS);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (ms !== undefined) resolve(ms);
      else reject(new Error(`importing ${file} failed (code ${code}, signal ${signal}):\n${stderr}`));
    });
  });
}

import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';

/** One line of a benchmark table: its columns in order, numbers already rounded for reading. */
export type Row = Record<string, string | number | null>;

export interface Report {
  /** File name under bench/results/ and the benchmark's key in `npm run bench -- --only`. */
  benchmark: string;
  title: string;
  /** What was held fixed (sizes, server, prefetch): printed above the table and kept in the JSON. */
  parameters: Record<string, string | number | boolean>;
  rows: Row[];
}

const RESULTS = new URL('../../bench/results/', import.meta.url);

/** ours / baseline, to two decimals; null when the baseline measured nothing. */
export function ratio(ours: number, baseline: number): number | null {
  return baseline > 0 ? round(ours / baseline, 2) : null;
}

export function round(value: number, decimals = 0): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}

/** The p-th percentile (0..100) of samples, by nearest rank. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/**
 * Prints the table and writes it as JSON twice: `<benchmark>.json` (the latest run) and
 * `<benchmark>-<commit>.json`, so two commits' runs can be compared side by side.
 */
export async function publish(report: Report): Promise<void> {
  const commit = currentCommit();
  const parameters = Object.entries(report.parameters)
    .map(([name, value]) => `${name}=${value}`)
    .join(', ');
  console.log(`\n${report.title}\n${parameters}; node ${process.version}, commit ${commit}\n`);
  console.table(report.rows);
  const json = `${JSON.stringify(
    { ...report, date: new Date().toISOString(), node: process.version, commit },
    null,
    2,
  )}\n`;
  await mkdir(RESULTS, { recursive: true });
  await writeFile(new URL(`${report.benchmark}.json`, RESULTS), json);
  await writeFile(new URL(`${report.benchmark}-${commit}.json`, RESULTS), json);
}

function currentCommit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${sha}-dirty` : sha;
  } catch {
    return 'unknown';
  }
}

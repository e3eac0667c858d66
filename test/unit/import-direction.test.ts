import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const SUBPATH_IMPORTS: Record<string, string> = JSON.parse(
  readFileSync(join(ROOT, 'package.json'), 'utf8'),
).imports;

function sourceFiles(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(folder, file));
}

/** The repository folder each import of a file lands in: `lib/store`, `dev/local`, `node:fs`'s none, ... */
function importedFolders(file: string): string[] {
  const source = readFileSync(join(ROOT, file), 'utf8');
  const specifiers = [...source.matchAll(/(?:from\s+|import\s*\(\s*)'([^']+)'/g)].map(
    (match) => match[1] ?? '',
  );
  return specifiers.flatMap((specifier) => {
    if (specifier.startsWith('.')) return [relative(ROOT, resolve(ROOT, dirname(file), specifier))];
    if (!specifier.startsWith('#')) return [];
    const alias = `${specifier.slice(0, specifier.indexOf('/'))}/*`;
    const target = SUBPATH_IMPORTS[alias];
    if (target === undefined) throw new Error(`${file}: ${specifier} matches no subpath import`);
    return [relative(ROOT, resolve(ROOT, target.replace('*', specifier.slice(alias.length - 1))))];
  });
}

const within = (target: string, folder: string) => target === folder || target.startsWith(`${folder}/`);

function violations(folders: string[], refused: (target: string) => boolean): string[] {
  return folders.flatMap(sourceFiles).flatMap((file) =>
    importedFolders(file)
      .filter(refused)
      .map((target) => `${file} imports ${target}`),
  );
}

const anyOf = (forbidden: string[]) => (target: string) => forbidden.some((folder) => within(target, folder));

describe('import direction', () => {
  it('keeps what deploys (lib/, functions/, infra/) free of dev tools, benchmarks and tests', () => {
    expect(violations(['lib', 'functions', 'infra'], anyOf(['dev', 'bench', 'test']))).toEqual([]);
  });

  it('keeps the domain pure: lib/domain imports nothing else of the repository', () => {
    expect(violations(['lib/domain'], (target) => !within(target, 'lib/domain'))).toEqual([]);
  });

  it('keeps the API off the store: lib/http reads and writes through ports, wired in services.ts alone', () => {
    const composition = 'lib/http/services.ts';
    const violating = violations(['lib/http'], anyOf(['lib/store'])).filter(
      (violation) => !violation.startsWith(`${composition} `),
    );
    expect(violating).toEqual([]);
  });

  it('reads the environment in lib/config only: settings are validated once, where they are declared', () => {
    const readers = sourceFiles('lib').filter(
      (file) => !within(file, 'lib/config') && readFileSync(join(ROOT, file), 'utf8').includes('process.env'),
    );
    expect(readers).toEqual([]);
  });

  it('keeps the deployed code out of the CDK app: lib/ and functions/ never import infra/', () => {
    expect(violations(['lib', 'functions'], anyOf(['infra']))).toEqual([]);
  });
});

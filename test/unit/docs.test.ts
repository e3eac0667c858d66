import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '#http/route-table';

const root = fileURLToPath(new URL('../..', import.meta.url));
const documents = [
  'README.md',
  'CONTRIBUTING.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

/** The Markdown outside code blocks, where a line starting with `#` is a heading. */
function withoutCodeBlocks(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '');
}

/** The Markdown outside any code, where a `[text](target)` is a link. */
function prose(markdown: string): string {
  return withoutCodeBlocks(markdown).replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchorOf(heading: string): string {
  return heading
    .replace(/`/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(path: string): Set<string> {
  return new Set(
    [...withoutCodeBlocks(read(path)).matchAll(/^#{1,6} (.+)$/gm)].map(([, heading = '']) =>
      anchorOf(heading),
    ),
  );
}

const relativeLinks = documents.flatMap((document) =>
  [...prose(read(document)).matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)]
    .map(([, target = '']) => target)
    .filter((target) => !/^[a-z]+:/.test(target))
    .map((target) => ({ document, target })),
);

describe('the documentation', () => {
  it('has relative links to check', () => {
    expect(relativeLinks.length).toBeGreaterThan(10);
  });

  it.each(relativeLinks)('$document links to $target, which exists', ({ document, target }) => {
    const [path = '', anchor] = target.split('#');
    const file = path === '' ? document : relative(root, join(root, dirname(document), path));
    expect(existsSync(join(root, file)), `${file} exists`).toBe(true);
    if (anchor !== undefined) expect([...anchorsOf(file)]).toContain(anchor);
  });
});

describe('each document of docs/', () => {
  it.each(documents.filter((document) => document.startsWith('docs/')))(
    '%s says first whom it is for',
    (document) => {
      const firstParagraph = read(document).split('\n\n')[1] ?? '';
      expect(firstParagraph).toMatch(/^For /);
    },
  );
});

describe('the README', () => {
  const readme = read('README.md');

  it('stays a five-minute read, at most about 10 KB', () => {
    expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(10 * 1024);
  });

  it('gives exactly two set-up commands, the second being the test command CI runs', () => {
    const section = readme.split('## Two commands')[1]?.split('\n## ')[0] ?? '';
    const commands = (section.match(/^```sh\n([\s\S]*?)^```/m)?.[1] ?? '')
      .split('\n')
      .filter((line) => /^\S/.test(line))
      .map((line) => line.split('#')[0]?.trim());
    expect(commands).toEqual(['npm ci && npm start', 'npm ci && npm test']);
    expect(read('.ci/run')).toMatch(/^npm test$/m);
  });

  it.each(ROUTES.map(({ method, path }) => ({ method, path })))(
    'lists $method $path in its API table',
    ({ method, path }) => {
      expect(readme).toContain(`| \`${method}\` | \`${path}\` |`);
    },
  );
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ingestConfigSchema } from '#config/schema';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('the README configuration table', () => {
  it.each(Object.keys(ingestConfigSchema.shape))('documents %s', (variable) => {
    expect(readme).toContain(`| \`${variable}\` |`);
  });
});

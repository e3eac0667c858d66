import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { apiSettingsSchema } from '#config/api-schema';
import { bridgeConfigSchema } from '#config/bridge-schema';
import { localStackConfigSchema } from '#config/local-schema';
import { ingestConfigSchema } from '#config/schema';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const variables = [
  ...new Set(
    [ingestConfigSchema, localStackConfigSchema, apiSettingsSchema, bridgeConfigSchema].flatMap((schema) =>
      Object.keys(schema.shape),
    ),
  ),
];

describe('the README configuration table', () => {
  it.each(variables)('documents %s', (variable) => {
    expect(readme).toMatch(new RegExp(`^\\| \`${variable}\` +\\|`, 'm'));
  });
});

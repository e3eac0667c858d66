import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { apiSettingsSchema } from '#config/api-schema';
import { bridgeConfigSchema } from '#config/bridge-schema';
import { localStackConfigSchema } from '#config/local-schema';
import { ingestConfigSchema } from '#config/schema';
import { contextTable } from '../../infra/context-table.ts';

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

describe('the README context table (Deploying to AWS)', () => {
  it('is the table printed from the CDK context schema (npm run docs:config -- --context)', () => {
    expect(readme).toContain(`${contextTable()}\n`);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { apiSettingsSchema } from '#config/api-schema';
import { bridgeConfigSchema } from '#config/bridge-schema';
import { sqsIngestConfigSchema } from '#config/ingest-queue-schema';
import { localStackConfigSchema } from '#config/local-schema';
import { environmentTables } from '#dev/configuration-tables';
import { contextTable } from '../../infra/context-table.ts';

const configurationDoc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
const variables = [
  ...new Set(
    [sqsIngestConfigSchema, localStackConfigSchema, apiSettingsSchema, bridgeConfigSchema].flatMap((schema) =>
      Object.keys(schema.shape),
    ),
  ),
];

describe('the environment tables of docs/configuration.md', () => {
  it.each(variables)('document %s', (variable) => {
    expect(configurationDoc).toMatch(new RegExp(`^\\| \`${variable}\` +\\|`, 'm'));
  });

  it('are the tables printed from the config schemas (npm run docs:config)', () => {
    expect(configurationDoc).toContain(`${environmentTables()}\n`);
  });
});

describe('the CDK context table of docs/configuration.md', () => {
  it('is the table printed from the CDK context schema (npm run docs:config -- --context)', () => {
    expect(configurationDoc).toContain(`${contextTable()}\n`);
  });
});

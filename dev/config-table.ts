import type { z } from 'zod';
import { apiSettingsSchema } from '#config/api-schema';
import { bridgeConfigSchema } from '#config/bridge-schema';
import { sqsIngestConfigSchema } from '#config/ingest-queue-schema';
import { localStackConfigSchema } from '#config/local-schema';
import { contextTable } from '../infra/context-table.ts';

/**
 * Prints the README's configuration tables from the config schemas: `npm run docs:config`; with
 * `-- --context`, the table of CDK context keys (Deploying to AWS) from the context schema instead.
 */
const sections: Array<[string, z.ZodObject]> = [
  ['Ingest (Lambda and local workers)', sqsIngestConfigSchema],
  ['API', apiSettingsSchema],
  ['Bridge', bridgeConfigSchema],
  ['Local stack (`npm start`)', localStackConfigSchema],
];

if (process.argv.includes('--context')) {
  process.stdout.write(`${contextTable()}\n`);
} else {
  printEnvironmentTables();
}

function printEnvironmentTables(): void {
  const printed = new Set<string>();
  for (const [title, schema] of sections) {
    const rows = Object.entries(schema.shape as Record<string, z.ZodType>).filter(
      ([name]) => !printed.has(name),
    );
    if (rows.length === 0) continue;
    process.stdout.write(`\n#### ${title}\n\n| variable | default | meaning |\n|---|---|---|\n`);
    for (const [name, field] of rows) {
      printed.add(name);
      process.stdout.write(`| \`${name}\` | ${defaultOf(field)} | ${field.description ?? ''} |\n`);
    }
  }
}

function defaultOf(field: z.ZodType): string {
  const parsed = field.safeParse(undefined);
  if (!parsed.success || parsed.data === undefined) return '—';
  const value = Array.isArray(parsed.data) ? parsed.data.join(',') : String(parsed.data);
  return value === '' ? '(none)' : `\`${value}\``;
}

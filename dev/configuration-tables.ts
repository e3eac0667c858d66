import type { z } from 'zod';
import { apiSettingsSchema } from '#config/api-schema';
import { bridgeConfigSchema } from '#config/bridge-schema';
import { sqsIngestConfigSchema } from '#config/ingest-queue-schema';
import { localStackConfigSchema } from '#config/local-schema';

const sections: Array<[string, z.ZodObject]> = [
  ['Ingest (Lambda and local workers)', sqsIngestConfigSchema],
  ['API', apiSettingsSchema],
  ['Bridge', bridgeConfigSchema],
  ['Local stack (`npm start`)', localStackConfigSchema],
];

/**
 * The environment variables of every part, one table per part, from the config schemas' defaults and
 * descriptions. A variable two parts share is listed under the first only.
 */
export function environmentTables(): string {
  const printed = new Set<string>();
  const tables: string[] = [];
  for (const [title, schema] of sections) {
    const rows = Object.entries(schema.shape as Record<string, z.ZodType>).filter(
      ([name]) => !printed.has(name),
    );
    if (rows.length === 0) continue;
    const lines = rows.map(([name, field]) => {
      printed.add(name);
      return `| \`${name}\` | ${defaultOf(field)} | ${field.description ?? ''} |`;
    });
    tables.push(
      [`### ${title}`, '', '| variable | default | meaning |', '|---|---|---|', ...lines].join('\n'),
    );
  }
  return tables.join('\n\n');
}

function defaultOf(field: z.ZodType): string {
  const parsed = field.safeParse(undefined);
  if (!parsed.success || parsed.data === undefined) return '—';
  const value = Array.isArray(parsed.data) ? parsed.data.join(',') : String(parsed.data);
  return value === '' ? '(none)' : `\`${value}\``;
}

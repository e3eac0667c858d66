import type { z } from 'zod';
import { infraContextShape } from './context.ts';

/**
 * The table of CDK context keys in docs/configuration.md, from the context schema's defaults and
 * descriptions: `npm run docs:config -- --context` prints it, and a test checks the document holds it as printed.
 */
export function contextTable(): string {
  const rows = Object.entries(infraContextShape as Record<string, z.ZodType>).map(
    ([key, field]) => `| \`${key}\` | ${defaultOf(field)} | ${field.description ?? ''} |`,
  );
  return ['| key | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

function defaultOf(field: z.ZodType): string {
  const parsed = field.safeParse(undefined);
  return parsed.success && parsed.data !== undefined ? `\`${String(parsed.data)}\`` : '—';
}

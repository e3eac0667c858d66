import type { z } from 'zod';
import { infraContextShape } from './context.ts';

/**
 * The README's table of CDK context keys, from the context schema's defaults and descriptions:
 * `npm run docs:config -- --context` prints it, and a test checks the README holds it as printed.
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

import { z } from 'zod';
import type { DeadLetter } from './dead-letter-queue.ts';

const durationUnits = { s: 1, m: 60, h: 3_600, d: 86_400 } as const;

/** `90s`, `15m`, `6h`, `2d` → milliseconds. */
export const duration = z
  .string()
  .regex(/^\d+[smhd]$/, 'a number followed by s, m, h or d (e.g. 6h)')
  .transform(
    (text) => Number(text.slice(0, -1)) * durationUnits[text.at(-1) as keyof typeof durationUnits] * 1000,
  );

/** Which dead letters a run touches; every criterion given must hold. */
export const filterSchema = z.object({
  eventType: z
    .array(z.string().min(1))
    .optional()
    .describe('event types; a trailing * matches a prefix (compute.instance.*)'),
  project: z.string().min(1).optional(),
  olderThan: duration.optional(),
  newerThan: duration.optional(),
  contains: z.string().min(1).optional().describe('text the body contains'),
  includeMalformed: z.boolean().default(false),
});

export type DeadLetterFilter = z.output<typeof filterSchema>;

export function matches(letter: DeadLetter, filter: DeadLetterFilter, now: number): boolean {
  const { diagnosis } = letter;
  const age = now - letter.sentAt.getTime();
  return (
    (filter.includeMalformed || !diagnosis.malformed) &&
    (filter.eventType === undefined ||
      filter.eventType.some((pattern) => eventTypeMatches(pattern, diagnosis.eventType))) &&
    (filter.project === undefined || diagnosis.projectId === filter.project) &&
    (filter.olderThan === undefined || age >= filter.olderThan) &&
    (filter.newerThan === undefined || age <= filter.newerThan) &&
    (filter.contains === undefined || letter.body.includes(filter.contains))
  );
}

function eventTypeMatches(pattern: string, eventType: string | null): boolean {
  if (eventType === null) return false;
  return pattern.endsWith('*') ? eventType.startsWith(pattern.slice(0, -1)) : eventType === pattern;
}

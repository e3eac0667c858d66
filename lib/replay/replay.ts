import type { DeadLetter, DeadLetterQueue } from './dead-letter-queue.ts';
import type { ReplayDestination } from './destinations.ts';
import { type DeadLetterFilter, matches } from './filter.ts';

export interface ReplayCounts {
  /** Dead letters read. */
  examined: number;
  /** Of those, the ones the filter selects. */
  matched: number;
  /** Sent to the destination (and, for a queue, deleted from the dead-letter queue). */
  replayed: number;
  /** Selected but not accepted by the destination, or not deleted after it: still in the dead-letter queue. */
  failed: number;
}

export interface ReplayOptions {
  dlq: DeadLetterQueue;
  /** Absent: only list what matches. */
  destination?: ReplayDestination;
  filter: DeadLetterFilter;
  /** Read and select, but send and delete nothing. */
  dryRun: boolean;
  /** Dead letters to read at most in this run. */
  max: number;
  signal?: AbortSignal;
  now?: () => number;
  onLetter?: (letter: DeadLetter, selected: boolean) => void;
  onProgress?: (counts: ReplayCounts) => void;
}

/**
 * One pass over the dead-letter queue. A selected letter is deleted only after the destination accepted it;
 * everything else is released untouched at the end (or on interruption), so a run can be stopped and
 * started again at any point: at worst a message is replayed twice, which the ingest ignores by message_id.
 */
export async function replayDeadLetters(options: ReplayOptions): Promise<ReplayCounts> {
  const { dlq, destination, filter, dryRun, max, signal, now = Date.now } = options;
  const counts: ReplayCounts = { examined: 0, matched: 0, replayed: 0, failed: 0 };
  const held: DeadLetter[] = [];
  try {
    while (counts.examined < max && !signal?.aborted) {
      const letters = await dlq.next(max - counts.examined);
      if (letters.length === 0) break;
      held.push(...letters);
      counts.examined += letters.length;
      const selected = letters.filter((letter) => {
        const isSelected = matches(letter, filter, now());
        options.onLetter?.(letter, isSelected);
        return isSelected;
      });
      counts.matched += selected.length;
      if (destination && !dryRun && selected.length > 0) {
        const outcome = await forward(dlq, destination, selected);
        counts.replayed += outcome.done.size;
        counts.failed += selected.length - outcome.done.size;
        removeFrom(held, outcome.deleted);
      }
      options.onProgress?.({ ...counts });
    }
  } finally {
    await dlq.release(held);
  }
  return counts;
}

async function forward(
  dlq: DeadLetterQueue,
  destination: ReplayDestination,
  letters: readonly DeadLetter[],
): Promise<{ done: Set<string>; deleted: Set<string> }> {
  const sent = await destination.send(letters);
  if (!destination.consumes) return { done: sent, deleted: new Set() };
  const deleted = await dlq.delete(letters.filter((letter) => sent.has(letter.sqsMessageId)));
  return { done: deleted, deleted };
}

function removeFrom(held: DeadLetter[], ids: Set<string>): void {
  for (let index = held.length - 1; index >= 0; index--) {
    if (ids.has(held[index]?.sqsMessageId ?? '')) held.splice(index, 1);
  }
}

import { appendFile } from 'node:fs/promises';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DEAD_LETTER_REASON_ATTRIBUTE } from '#queue/sqs-failure-routing';
import type { DeadLetter } from './dead-letter-queue.ts';

/** Where replayed messages go. `send` returns the SQS message ids of the letters now safe there. */
export interface ReplayDestination {
  readonly description: string;
  /** Whether what was sent may be deleted from the dead-letter queue (not for an inspection copy). */
  readonly consumes: boolean;
  send(letters: readonly DeadLetter[]): Promise<Set<string>>;
}

/** Back to the ingest queue: the body and message attributes exactly as they were before dead-lettering. */
export function queueDestination(client: SQSClient, queueUrl: string): ReplayDestination {
  return {
    description: `queue ${queueUrl}`,
    consumes: true,
    send: async (letters) => {
      const sent = new Set<string>();
      for (let offset = 0; offset < letters.length; offset += 10) {
        const chunk = letters.slice(offset, offset + 10);
        const { Successful = [] } = await client.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: chunk.map((letter, index) => {
              const { [DEAD_LETTER_REASON_ATTRIBUTE]: _reason, ...attributes } = letter.attributes;
              return {
                Id: String(index),
                MessageBody: letter.body,
                ...(Object.keys(attributes).length > 0 && { MessageAttributes: attributes }),
              };
            }),
          }),
        );
        for (const { Id } of Successful) {
          const letter = chunk[Number(Id)];
          if (letter) sent.add(letter.sqsMessageId);
        }
      }
      return sent;
    },
  };
}

/** One JSON line per letter, with its diagnosis, for inspection; the dead-letter queue keeps them. */
export function fileDestination(path: string): ReplayDestination {
  return {
    description: `file ${path}`,
    consumes: false,
    send: async (letters) => {
      const lines = letters.map((letter) =>
        JSON.stringify({
          sqsMessageId: letter.sqsMessageId,
          sentAt: letter.sentAt.toISOString(),
          receiveCount: letter.receiveCount,
          ...letter.diagnosis,
          attributes: letter.attributes,
          body: letter.body,
        }),
      );
      if (lines.length > 0) await appendFile(path, `${lines.join('\n')}\n`);
      return new Set(letters.map((letter) => letter.sqsMessageId));
    },
  };
}

/** The tests' SQS: the same in-process emulator the local stack runs. */
export {
  createQueuePair,
  type QueuePair,
  type QueuePairOptions,
  type SqsEmulator,
  startSqsEmulator,
} from '#dev/local/sqs-emulator';

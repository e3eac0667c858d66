import {
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';
import { errorMessage } from '#observability/thrown';

/** The store could not be opened (a cold start during an outage): its batch waits for it, like any outage. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';

  constructor(cause: unknown) {
    super(`the store could not be opened: ${errorMessage(cause)}`, { cause });
  }
}

/**
 * Server codes that say "this server cannot answer now" (elections, shutdowns, time limits), as the driver's
 * retryable-error list has them; a retry later succeeds without anything being changed.
 */
const TRANSIENT_SERVER_CODES = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  50, // MaxTimeMSExpired
  89, // NetworkTimeout
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  262, // ExceededTimeLimit
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

const TRANSIENT_LABELS = ['RetryableWriteError', 'ResetPool', 'TransientTransactionError'];

/**
 * Whether an error means the store is unreachable or overloaded for now, rather than that this notification
 * cannot be stored: network errors (a cleared pool among them), server selection and operation timeouts, a
 * store that failed to open, and the server codes above. Wrapped errors are judged by their causes.
 */
export function isTransientStoreError(error: unknown): boolean {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth++) {
    if (isTransientItself(cause)) return true;
  }
  return false;
}

function isTransientItself(error: Error): boolean {
  if (
    error instanceof StoreUnavailableError ||
    error instanceof MongoNetworkError ||
    error instanceof MongoServerSelectionError ||
    error instanceof MongoOperationTimeoutError ||
    error instanceof MongoNotConnectedError ||
    error instanceof MongoTopologyClosedError
  )
    return true;
  if (!(error instanceof MongoError)) return false;
  return (
    (typeof error.code === 'number' && TRANSIENT_SERVER_CODES.has(error.code)) ||
    TRANSIENT_LABELS.some((label) => error.hasErrorLabel(label))
  );
}

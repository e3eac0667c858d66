// Anything can be thrown: these turn it into what a log line or a failure report can carry.

/** An Error's message; anything else thrown, as text. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** An Error as thrown; anything else wrapped in one, for the results that carry an Error. */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

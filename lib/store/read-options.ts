/**
 * The server-side bound of every find, aggregate and count: past it the server abandons the read and the
 * caller gets an error, instead of the read running on after the function that wanted it timed out.
 */
export interface ReadOptions {
  maxTimeMS: number;
}

/** MONGODB_MAX_TIME_MS's default, and the bound of a store built without configuration (tools, tests). */
export const DEFAULT_READ_OPTIONS: ReadOptions = { maxTimeMS: 8_000 };

import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { startFerretdb, testFerretdbOptions } from '#dev/ferretdb/server';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The integration suite's MongoDB: MONGODB_URI when set, else a FerretDB started for the run. */
    mongoUri: string;
  }
}

/** Vitest globalSetup of the integration project: one MongoDB-compatible server for the whole run. */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const external = process.env.MONGODB_URI;
  if (external) {
    project.provide('mongoUri', external);
    return undefined;
  }
  const options = await testFerretdbOptions();
  const server = await startFerretdb(options);
  process.stderr.write(
    `integration tests: FerretDB on ${options.postgresqlUrl ? 'PostgreSQL' : 'SQLite'} at ${server.uri}\n`,
  );
  project.provide('mongoUri', server.uri);
  // stop() also removes the temporary data directory startFerretdb created.
  return () => server.stop();
}

// FerretDB accepts [A-Za-z0-9_-]{1,63}; Atlas limits database names to 38 characters.
const MAX_DATABASE_NAME_LENGTH = 38;

/** A database name no other test (or earlier run against a shared MONGODB_URI) uses. */
export function uniqueDatabaseName(prefix: string): string {
  const suffix = `_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const safePrefix = prefix.replace(/[^A-Za-z0-9_]/g, '_').slice(0, MAX_DATABASE_NAME_LENGTH - suffix.length);
  return `${safePrefix}${suffix}`;
}

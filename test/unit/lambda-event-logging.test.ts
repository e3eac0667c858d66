import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Lambda events carry what must never reach a log: X-Auth-Token headers (authorizer), notification
 * bodies with their `_context_auth_token` (ingest), request bodies (API). Powertools logs the event when
 * POWERTOOLS_LOGGER_LOG_EVENT is set, unless the middleware is told otherwise.
 */
const ROOT = resolve(import.meta.dirname, '../..');

function middlewareCalls(folder: string): { file: string; options: string }[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .flatMap((file) =>
      [...readFileSync(join(ROOT, folder, file), 'utf8').matchAll(/injectLambdaContext\(([^)]*)\)/g)].map(
        (match) => ({ file: join(folder, file), options: match[1] ?? '' }),
      ),
    );
}

describe('Lambda logging', () => {
  it('never logs the invocation event, whatever POWERTOOLS_LOGGER_LOG_EVENT says', () => {
    const calls = [...middlewareCalls('functions'), ...middlewareCalls('lib')];
    expect(calls.length).toBeGreaterThanOrEqual(3);
    for (const call of calls) expect(call.options, call.file).toMatch(/logEvent: false/);
  });
});

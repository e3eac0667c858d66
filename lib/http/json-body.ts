import middy from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { Context } from 'aws-lambda';
import type { ApiEvent } from './request.ts';

/**
 * Almanach reads a body as JSON whatever its Content-Type (Flask's request.data), so curl's default
 * form content type, or none, still works: hence `disableContentTypeCheck`, documented by Middy
 * (middy.js.org, http-json-body-parser) though missing from its 6.4.5 typings. (`disableContentTypeError`
 * alone would skip such bodies, leaving their text unparsed.)
 */
const parserOptions: Parameters<typeof httpJsonBodyParser>[0] & { disableContentTypeCheck: boolean } = {
  disableContentTypeCheck: true,
};

const parsed = middy<ApiEvent, unknown>(async (event: ApiEvent): Promise<unknown> => event.body).use(
  httpJsonBodyParser<ApiEvent>(parserOptions),
);

/**
 * The request body, parsed by @middy/http-json-body-parser. Only a route that reads a body calls it, as
 * Flask reads request.data only there: a GET saying JSON without a body is served. A missing or malformed
 * body makes the parser throw its 415, which the error mapper answers as Almanach does.
 */
export function readJsonBody(event: ApiEvent, context: Context): Promise<unknown> {
  // The parser replaces the body it parsed: it gets a copy, so the event stays as received.
  return parsed({ ...event }, context);
}

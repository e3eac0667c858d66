import { apiFunctionHandler } from '#http/lambda';

/** The API's read routes (see lib/http/routes.ts), behind API Gateway. */
export const handler = await apiFunctionHandler('read');

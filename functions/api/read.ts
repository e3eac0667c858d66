import { apiFunctionHandler } from '#http/lambda';

/** The API's read routes (see lib/http/route-table.ts), behind API Gateway. */
export const handler = await apiFunctionHandler('read');

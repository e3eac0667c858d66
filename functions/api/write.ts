import { apiFunctionHandler } from '#http/lambda';

/** The API's write routes (see lib/http/route-table.ts), behind API Gateway. */
export const handler = await apiFunctionHandler('write');

import { apiFunctionHandler } from '#http/lambda';

/** The API's write routes (see lib/http/routes.ts), behind API Gateway. */
export const handler = await apiFunctionHandler('write');

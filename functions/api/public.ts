import { apiFunctionHandler } from '#http/lambda';

/** The API's public routes (see lib/http/route-table.ts), behind API Gateway. */
export const handler = await apiFunctionHandler('public');

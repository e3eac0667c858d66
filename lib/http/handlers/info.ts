import { z } from 'zod';
import type { ApiResult, RouteContext } from '../route-spec.ts';

export const infoJsonSchema = z.object({
  info: z.object({ version: z.string() }),
  database: z.object({ all_entities: z.number().int(), active_entities: z.number().int() }),
});

/** Almanach's GET /info: the version and how many entity versions are stored, and running (up to 30 s old). */
export async function info({ services }: RouteContext<unknown, unknown, undefined>): Promise<ApiResult> {
  const { all, active } = await services.entityCounts();
  const json: z.infer<typeof infoJsonSchema> = {
    info: { version: services.version },
    database: { all_entities: all, active_entities: active },
  };
  return { status: 200, json };
}

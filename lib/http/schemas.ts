import { z } from 'zod';
import { identifier, wholeNumber } from '#domain/values';
import { almanachBody, bodyDate } from './body.ts';
import { pageQueryShape } from './pagination.ts';

// Path, query and body schemas of the routes. Bodies list their fields in the order Almanach reads them:
// the first missing one is the one its error names.

const id = (description: string) => identifier.describe(description);

export const projectParams = z.object({ project_id: id('Project (tenant) id') });
export const instanceParams = z.object({ instance_id: id('Instance id') });
export const volumeParams = z.object({ volume_id: id('Volume id') });
export const entityParams = z.object({ entity_id: id('Instance or volume id') });
export const volumeTypeParams = z.object({ type_id: id('Volume type id') });

const queryDate = (description: string) =>
  z.string().describe(`${description}, as %Y-%m-%d %H:%M:%S.%f in UTC (e.g. 2016-01-01 00:00:00.000)`);

export const periodQuery = z.object({
  start: queryDate('Period start'),
  end: queryDate('Period end; now when absent').optional(),
});
export const pagedPeriodQuery = periodQuery.extend(pageQueryShape);
export const pageQuery = z.object(pageQueryShape);
export const closedPeriodQuery = z.object({
  start: queryDate('With it, the closed version that started at or after this instant is updated').optional(),
  end: queryDate('End of the period selecting the closed version; now when absent').optional(),
});

const nullableText = (description: string) => z.string().nullable().describe(description);

/** Cinder sizes are integers; Almanach's own examples also send them as strings ("150"). */
const size = wholeNumber.describe('Size in GB');

/** A list of instance ids; Almanach's example sends "" for none, and a single id is accepted as such. */
const attachedTo = z
  .union([z.array(z.string()), z.string(), z.null()])
  .transform((value) => (Array.isArray(value) ? value : value ? [value] : []))
  .describe('Instances the volume is attached to');

export const createInstanceBody = almanachBody(
  z.object({
    id: id('Instance id'),
    created_at: bodyDate('Creation instant'),
    name: nullableText('Instance name'),
    flavor: nullableText('Flavor name'),
    os_distro: nullableText('OS distribution'),
    os_version: nullableText('OS version'),
    os_type: nullableText('OS type'),
  }),
);

export const deleteBody = almanachBody(z.object({ date: bodyDate('Deletion instant') }));

export const resizeInstanceBody = almanachBody(
  z.object({ date: bodyDate('Resize instant'), flavor: nullableText('New flavor name') }),
);

export const rebuildInstanceBody = almanachBody(
  z.object({
    rebuild_date: bodyDate('Rebuild instant'),
    distro: nullableText('OS distribution'),
    version: nullableText('OS version'),
    os_type: nullableText('OS type'),
  }),
);

export const createVolumeBody = almanachBody(
  z.object({
    volume_id: id('Volume id'),
    start: bodyDate('Creation instant'),
    volume_type: nullableText('Volume type id (must be known)'),
    size,
    volume_name: nullableText('Volume name'),
    attached_to: attachedTo,
  }),
);

export const resizeVolumeBody = almanachBody(z.object({ size, date: bodyDate('Resize instant') }));

export const attachmentsBody = almanachBody(
  z.object({
    date: bodyDate('Instant of the change'),
    attachments: z.array(z.string()).describe('Instances the volume is attached to after the change'),
  }),
);

export const createVolumeTypeBody = almanachBody(
  z.object({ type_id: id('Volume type id'), type_name: z.string().describe('Volume type name') }),
);

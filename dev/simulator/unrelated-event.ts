import { randomUUID } from 'node:crypto';
import { otherVolumeEvent } from './cinder.ts';
import { DEFAULT_TIMES, DEFAULTS } from './defaults.ts';
import { type InstanceOptions, otherInstanceEvent } from './nova.ts';
import { buildMessage, type OsloMessage } from './oslo-envelope.ts';

/**
 * An event Almanach ignores. `compute.*` gets an instance payload (state `stopped`), `volume.*`/`snapshot.*`
 * a volume payload, anything else a small generic payload.
 */
export function unrelatedEvent(
  eventType = 'compute.instance.power_off.end',
  o: InstanceOptions = {},
): OsloMessage {
  if (eventType.startsWith('compute.instance.')) {
    return otherInstanceEvent(eventType.slice('compute.instance.'.length), o);
  }
  if (eventType.startsWith('volume.') || eventType.startsWith('snapshot.'))
    return otherVolumeEvent(eventType);
  const service = eventType.split('.')[0] ?? 'identity';
  return buildMessage(
    {
      service: 'nova',
      eventType,
      publisherId: `${service}.${DEFAULTS.apiHost}`,
      contextTime: DEFAULT_TIMES.volumeUpdate.context,
      emitted: DEFAULT_TIMES.volumeUpdate.emitted,
      payload: { resource_info: randomUUID().replace(/-/g, '') },
    },
    {},
  );
}

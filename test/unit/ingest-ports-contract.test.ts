import { InMemoryIngestPorts } from '#test/helpers/in-memory-ingest-ports';
import { describeIngestPortsContract } from '#test/helpers/ingest-ports-contract';

describeIngestPortsContract('in memory', () => {
  const ports = new InMemoryIngestPorts();
  return { ports, versionsOf: async (entityId) => ports.versions.get(entityId) ?? [] };
});

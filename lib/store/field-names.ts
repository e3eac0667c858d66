/**
 * MongoDB field names may not contain dots: Almanach stores metadata keys with `.` as `^` and restores
 * them on read, and so do we (documents stay readable by Almanach's own tools). Nested keys too: FerretDB
 * refuses a dot at any depth.
 */
type Attributes = Record<string, unknown>;

export function escapeKeys(attributes: Attributes): Attributes {
  return renameKeys(attributes, (key) => key.replaceAll('.', '^'));
}

export function unescapeKeys(attributes: Attributes): Attributes {
  return renameKeys(attributes, (key) => key.replaceAll('^', '.'));
}

function renameKeys(attributes: Attributes, rename: (key: string) => string): Attributes {
  return Object.fromEntries(
    Object.entries(attributes).map(([key, value]) => [rename(key), renameNested(value, rename)]),
  );
}

function renameNested(value: unknown, rename: (key: string) => string): unknown {
  if (Array.isArray(value)) return value.map((item) => renameNested(item, rename));
  // Attributes come from JSON: any other object is a plain one.
  if (typeof value === 'object' && value !== null)
    return renameKeys(Object.fromEntries(Object.entries(value)), rename);
  return value;
}

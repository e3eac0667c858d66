/**
 * MongoDB field names may not contain dots: Almanach stores metadata keys with `.` as `^` and restores
 * them on read, and so do we (documents stay readable by Almanach's own tools).
 */
type Attributes = Record<string, unknown>;

export function escapeKeys(attributes: Attributes): Attributes {
  return renameKeys(attributes, (key) => key.replaceAll('.', '^'));
}

export function unescapeKeys(attributes: Attributes): Attributes {
  return renameKeys(attributes, (key) => key.replaceAll('^', '.'));
}

function renameKeys(attributes: Attributes, rename: (key: string) => string): Attributes {
  return Object.fromEntries(Object.entries(attributes).map(([key, value]) => [rename(key), value]));
}

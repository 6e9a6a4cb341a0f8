/** JSON columns this object wrote, read back defensively. */

/**
 * A JSON object column, or {} if it is somehow not one.
 *
 * @example
 * parseObject('{"a":1}'); // { a: 1 }
 */
export function parseObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

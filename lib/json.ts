/** Small helpers for reading untyped JSON (stream events, API bodies) safely. */
export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function getObject(source: unknown, key: string): JsonObject | undefined {
  if (!isObject(source)) return undefined;
  const value = source[key];
  return isObject(value) ? value : undefined;
}

export function getString(source: unknown, key: string): string | undefined {
  if (!isObject(source)) return undefined;
  const value = source[key];
  return typeof value === "string" ? value : undefined;
}

export function getArray(source: unknown, key: string): unknown[] | undefined {
  if (!isObject(source)) return undefined;
  const value = source[key];
  return Array.isArray(value) ? value : undefined;
}

export function getNumber(source: unknown, key: string): number | undefined {
  if (!isObject(source)) return undefined;
  const value = source[key];
  return typeof value === "number" ? value : undefined;
}

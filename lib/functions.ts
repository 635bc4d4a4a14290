import { getArray, getObject, getString, isObject } from "./json";

export interface FunctionParameter {
  name: string;
  type?: string;
  description?: string;
  enum?: string[];
}

export interface FunctionInfo {
  name: string;
  description: string;
  parameters: FunctionParameter[];
}

/**
 * Reads what GET /api/functions returns: a list (or `{functions|tools: [...]}`)
 * of function tools, with their JSON schema under `parameters.properties`
 * (Responses API shape) or directly under `properties` (tools_list.py shape).
 */
export function parseFunctionSchemas(body: unknown): FunctionInfo[] {
  const list = Array.isArray(body) ? body : (getArray(body, "functions") ?? getArray(body, "tools") ?? []);
  return list.flatMap((entry) => {
    const name = getString(entry, "name");
    if (!name) return [];
    const properties = getObject(getObject(entry, "parameters"), "properties") ?? getObject(entry, "properties") ?? {};
    const parameters = Object.entries(properties).map(([pname, schema]) => ({
      name: pname,
      type: getString(schema, "type"),
      description: getString(schema, "description"),
      enum: isObject(schema) && Array.isArray(schema.enum) ? schema.enum.map(String) : undefined,
    }));
    return [{ name, description: getString(entry, "description") ?? "", parameters }];
  });
}

/**
 * Any JSON value, as a schema. Tool inputs and SDK messages are open-ended JSON; `z.json()` is
 * recursive (z.lazy), which the OpenAPI generator cannot walk, so this checks the same thing
 * shallowly: values arrive from JSON.parse, so anything defined is already JSON.
 */
import { z } from "zod";

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export const JsonValue = z
  .custom<Json>((v) => v !== undefined && typeof v !== "function" && typeof v !== "symbol" && typeof v !== "bigint", "must be a JSON value")
  .meta({ description: "Any JSON value.", type: ["string", "number", "boolean", "null", "array", "object"] });

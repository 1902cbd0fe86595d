/** Builds the drizzle client over D1; the only place that knows how. */
import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

export type Db = ReturnType<typeof makeDb>;

export function makeDb(d1: D1Database) {
  return drizzle(d1, { schema, casing: "snake_case" });
}

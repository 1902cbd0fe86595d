/**
 * Builds the drizzle client over D1; the only place that knows how. One client per binding: building
 * one walks the whole schema for its relational config, which profiling showed as a fifth of the
 * Worker's CPU when done per request and per room flush.
 */
import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

function build(d1: D1Database) {
  return drizzle(d1, { schema, casing: "snake_case" });
}

export type Db = ReturnType<typeof build>;

const clients = new WeakMap<D1Database, Db>();

export function makeDb(d1: D1Database): Db {
  let db = clients.get(d1);
  if (!db) {
    db = build(d1);
    clients.set(d1, db);
  }
  return db;
}

/**
 * The D1 statements of a SessionRoom's mirror flush (summary row, approval rows, audit entries), as
 * prepared D1 statements: drizzle's query builder cost most of the flush's CPU on the approval path.
 * The text is built once per row shape from the drizzle tables (schema.ts stays the one source of
 * column names, order, encodings and defaults) and writes exactly the row drizzle's upsert wrote.
 */
import { getTableColumns, getTableName, is, SQL, type Column } from "drizzle-orm";
import { toSnakeCase } from "drizzle-orm/casing";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Approval } from "../protocol/approval";
import type { SessionSummary } from "../protocol/session";
import type { NewAuditEntry } from "./audit";
import { approvals, auditPending, auditSources, sessions } from "./schema";

const quote = (name: string) => `"${name}"`;
/** The name in D1: the client is built with `casing: "snake_case"`, which names a column from its key. */
const dbName = (key: string, col: Column) => (col.keyAsName ? toSnakeCase(key) : col.name);

interface Shape {
  text: string;
  /** Per placeholder, the column key whose value it binds. */
  keys: string[];
}

/**
 * `insert … values (row) on conflict (id) do update set` every column the row has, like drizzle's
 * `insert(table).values(row).onConflictDoUpdate({ target: id, set: row })`: a column the row lacks is
 * inserted with its schema default (or null) and left as it is on update. One text per set of keys.
 */
function upserter(table: SQLiteTable) {
  const tableName = getTableName(table);
  const columns = Object.entries(getTableColumns(table)).map(([key, col]) => ({ key, col, name: quote(dbName(key, col)) }));
  const shapes = new Map<string, Shape>();
  const shapeOf = (present: Set<string>): Shape => {
    const id = columns.map((c) => (present.has(c.key) ? "1" : "0")).join("");
    let shape = shapes.get(id);
    if (shape) return shape;
    const keys: string[] = [];
    const values = columns.map(({ key, col }) => {
      if (present.has(key)) {
        keys.push(key);
        return "?";
      }
      if (col.default === undefined) return "null";
      if (is(col.default, SQL)) throw new Error(`mirror: ${tableName}.${key} has an SQL default, which this upsert does not render`);
      keys.push(`default:${key}`);
      return "?";
    });
    const set = columns.filter((c) => present.has(c.key)).map((c) => `${c.name} = excluded.${c.name}`);
    const pk = columns.find((c) => c.col.primary);
    if (!pk) throw new Error(`mirror: ${tableName} has no single-column primary key`);
    shape = {
      text: `insert into ${quote(tableName)} (${columns.map((c) => c.name).join(", ")}) values (${values.join(", ")}) on conflict (${pk.name}) do update set ${set.join(", ")}`,
      keys,
    };
    shapes.set(id, shape);
    return shape;
  };
  const byKey = new Map(columns.map((c) => [c.key, c.col]));
  return (d1: D1Database, row: Record<string, unknown>): D1PreparedStatement => {
    const present = new Set(columns.filter((c) => row[c.key] !== undefined).map((c) => c.key));
    const shape = shapeOf(present);
    const params = shape.keys.map((k) => {
      if (k.startsWith("default:")) {
        const col = byKey.get(k.slice(8))!;
        return col.mapToDriverValue(col.default);
      }
      const v = row[k];
      return v === null ? null : byKey.get(k)!.mapToDriverValue(v);
    });
    return d1.prepare(shape.text).bind(...params);
  };
}

const upsertSessionRow = upserter(sessions);
const upsertApprovalRow = upserter(approvals);

/** The upsert of a session's summary row (the room is its only writer). */
export function summaryUpsert(d1: D1Database, s: SessionSummary): D1PreparedStatement {
  const { agentName: _ignored, ...row } = s;
  return upsertSessionRow(d1, row);
}

/** The upsert of an approval's mirror row (the pipeline labels are the session's, not stored with it). */
export function approvalUpsert(d1: D1Database, workspaceId: string, a: Approval): D1PreparedStatement {
  const { pipelineRunId: _r, pipelineStepId: _s, ...rest } = a;
  return upsertApprovalRow(d1, { ...rest, workspaceId });
}

const pending = Object.entries(getTableColumns(auditPending)).map(([key, col]) => ({ key, col, name: quote(dbName(key, col)) }));
const sources = getTableColumns(auditSources);
const AUDIT_ONCE = `insert into ${quote(getTableName(auditPending))} (${pending.map((c) => c.name).join(", ")}) select ${pending
  .map(() => "?")
  .join(", ")} where not exists (select 1 from ${quote(getTableName(auditSources))} where ${quote(dbName("workspaceId", sources.workspaceId))} = ? and ${quote(
  dbName("source", sources.source),
)} = ?)`;
const SOURCE_ONCE = `insert into ${quote(getTableName(auditSources))} (${quote(dbName("workspaceId", sources.workspaceId))}, ${quote(
  dbName("source", sources.source),
)}) values (?, ?) on conflict do nothing`;

/**
 * An audit entry that may be delivered more than once (see auditInsertOnceQueries): the entry unless
 * its `source` was written before, then the source. Both go in one batch, in this order.
 */
export function auditInsertOnce(d1: D1Database, source: string, entry: NewAuditEntry): [D1PreparedStatement, D1PreparedStatement] {
  const values: Record<string, unknown> = { ...entry, id: null, at: entry.at ?? Date.now() };
  const row = pending.map(({ key, col }) => {
    const v = values[key];
    return v === undefined || v === null ? null : col.mapToDriverValue(v);
  });
  return [d1.prepare(AUDIT_ONCE).bind(...row, entry.workspaceId, source), d1.prepare(SOURCE_ONCE).bind(entry.workspaceId, source)];
}

/**
 * JSON columns read back through their zod schema. drizzle's `text({ mode: "json" })` trusts what is
 * stored; a value that no longer matches (hand-edited, or written by an older release) would then
 * pass as well-typed. A checked column turns it into an explicit `{ unreadable }` the caller must
 * handle, so a policy that cannot be read fails closed instead of reading as "none".
 */
import { customType } from "drizzle-orm/sqlite-core";
import type { z } from "zod";

export interface Unreadable {
  unreadable: string;
}

export const isUnreadable = (v: unknown): v is Unreadable =>
  typeof v === "object" && v !== null && "unreadable" in v && typeof (v as Unreadable).unreadable === "string";

/** Parses a stored text as `schema`, or says why it cannot. */
export function readChecked<S extends z.ZodType>(schema: S, raw: string): z.output<S> | Unreadable {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { unreadable: "the stored value is not JSON" };
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  return { unreadable: `${issue?.path.join(".") || "value"}: ${issue?.message ?? "does not match"}` };
}

/** A nullable JSON text column whose reads are checked by `schema`; writes take the schema's type. */
export const checkedJson = <S extends z.ZodType>(schema: S) =>
  customType<{ data: z.output<S> | Unreadable; driverData: string }>({
    dataType: () => "text",
    toDriver: (value) => JSON.stringify(value),
    fromDriver: (raw) => readChecked(schema, raw),
  });

/**
 * drizzle-kit's journal and snapshots must cover every hand-written migration, or `npm run db:generate`
 * emits a migration that re-creates tables D1 already has. `npm run db:register` fixes a failure here.
 */
import { readdirSync, readFileSync } from "node:fs";
import { generateSQLiteDrizzleJson, generateSQLiteMigration } from "drizzle-kit/api";
import { describe, expect, it } from "vitest";
import * as schema from "../../worker/db/schema";

type Journal = { entries: { idx: number; tag: string }[] };
const journal: Journal = JSON.parse(readFileSync("migrations/meta/_journal.json", "utf8"));
const sqlTags = readdirSync("migrations")
  .filter((f) => f.endsWith(".sql"))
  .map((f) => f.slice(0, -4))
  .sort();

describe("happy", () => {
  it("lists every migrations/*.sql in the journal, in order, numbered as the file", () => {
    expect(journal.entries.map((e) => e.tag)).toEqual(sqlTags);
    for (const e of journal.entries) expect(String(e.idx).padStart(4, "0")).toBe(e.tag.slice(0, 4));
  });

  it("has a snapshot for every journal entry", () => {
    const snapshots = readdirSync("migrations/meta").filter((f) => f.endsWith("_snapshot.json"));
    expect(snapshots.sort()).toEqual(journal.entries.map((e) => `${e.tag.slice(0, 4)}_snapshot.json`));
  });

  it("leaves drizzle-kit generate nothing to do: the latest snapshot is worker/db/schema.ts", async () => {
    const latest = journal.entries.at(-1)?.tag.slice(0, 4) ?? "none";
    const prev = JSON.parse(readFileSync(`migrations/meta/${latest}_snapshot.json`, "utf8"));
    const cur = await generateSQLiteDrizzleJson(schema, prev.id, "snake_case");
    expect(await generateSQLiteMigration(prev, cur)).toEqual([]);
  });
});

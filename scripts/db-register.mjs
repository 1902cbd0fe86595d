#!/usr/bin/env node
// Registers hand-written migrations with drizzle-kit: every migrations/NNNN_slug.sql missing from
// meta/_journal.json gets a journal entry (idx = its number, so the next `db:generate` picks the next
// free number) and a snapshot of the schema it leaves behind, so `drizzle-kit generate` diffs from the
// right place instead of emitting a conflicting migration. Usage: `npm run db:register`.
// Several files registered at once share one snapshot: the working tree's worker/db/schema.ts (the
// schema after all of them). Intermediate schemas are not reconstructed; drizzle-kit diffs only from
// the last snapshot, and the printed SQL is what to compare with the hand-written files.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const DIR = "migrations";
const JOURNAL = join(DIR, "meta", "_journal.json");
const SCHEMA = "worker/db/schema.ts";

const journal = JSON.parse(readFileSync(JOURNAL, "utf8"));
const registered = new Set(journal.entries.map((e) => e.tag));
const pending = readdirSync(DIR)
  .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
  .sort()
  .map((f) => f.slice(0, -4))
  .filter((tag) => !registered.has(tag));

if (pending.length === 0) {
  console.log("every migration is in the journal; nothing to register");
  process.exit(0);
}

const snapshotPath = (num) => join(DIR, "meta", `${num}_snapshot.json`);

for (const tag of pending) {
  const num = tag.slice(0, 4);
  const last = journal.entries[journal.entries.length - 1];
  if (last && Number(num) <= last.idx) {
    throw new Error(`${tag}.sql sorts before the last registered migration ${last.tag}: renumber it above ${last.idx}`);
  }
  // A scratch output dir (a copy of meta/) inside the repo; the journal and snapshots are copied back below.
  const tmp = mkdtempSync(".drizzle-tmp-");
  try {
    cpSync(join(DIR, "meta"), join(tmp, "out", "meta"), { recursive: true });
    const generate = (...extra) => {
      const args = ["drizzle-kit", "generate", ...extra, "--dialect", "sqlite", "--casing", "snake_case"];
      // The schema in place (not a copy): it imports the zod schemas its checked columns read through.
      args.push("--schema", SCHEMA, "--out", join(tmp, "out"), "--name", tag.slice(5));
      const r = spawnSync("npx", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
      // drizzle-kit exits 0 even when it fails (e.g. it wants to ask "renamed or new table?").
      if (r.status !== 0 || /Error/.test(r.stderr)) throw new Error(`drizzle-kit generate failed for ${tag}:\n${r.stderr}`);
    };
    const journalOf = () => JSON.parse(readFileSync(join(tmp, "out", "meta", "_journal.json"), "utf8")).entries;
    generate();
    let made = journalOf().pop();
    if (made.tag.slice(5) === tag.slice(5) && made.idx !== last?.idx) {
      console.log(`-- ${tag}: drizzle would have written (compare with ${DIR}/${tag}.sql):`);
      console.log(readFileSync(join(tmp, "out", `${made.tag}.sql`), "utf8"));
    } else {
      // No schema change (a data-only migration): --custom writes a snapshot equal to the previous one.
      generate("--custom");
      made = journalOf().pop();
      console.log(`-- ${tag}: no schema change`);
    }
    const snapshot = JSON.parse(readFileSync(join(tmp, "out", "meta", `${made.tag.slice(0, 4)}_snapshot.json`), "utf8"));
    writeFileSync(snapshotPath(num), `${JSON.stringify(snapshot, null, 2)}\n`);
    journal.entries.push({ idx: Number(num), version: made.version, when: made.when, tag, breakpoints: true });
    writeFileSync(JOURNAL, `${JSON.stringify(journal, null, 2)}\n`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
if (!existsSync(snapshotPath(pending[pending.length - 1].slice(0, 4)))) throw new Error("no snapshot written");
console.log(`registered ${pending.join(", ")}; now \`npm run db:generate\` should report no schema changes`);

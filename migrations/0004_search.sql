-- Search index (hand-written: FTS5 virtual tables are outside drizzle-kit). One row per indexed
-- piece of a session (title, prompt, assistant text, tool call, tool result, result), keyed by
-- (session_id, seq, part) so re-indexing is idempotent; its text lives in search_fts (rowid = id).
CREATE TABLE `search_docs` (
	`id` integer PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`session_id` text NOT NULL,
	`seq` integer NOT NULL,
	`part` integer NOT NULL,
	`kind` text NOT NULL,
	`tool_name` text,
	`path` text,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `search_docs_key` ON `search_docs` (`session_id`,`seq`,`part`);--> statement-breakpoint
CREATE INDEX `search_docs_workspace` ON `search_docs` (`workspace_id`,`at`);--> statement-breakpoint
CREATE INDEX `search_docs_tool` ON `search_docs` (`workspace_id`,`tool_name`);--> statement-breakpoint
CREATE VIRTUAL TABLE `search_fts` USING fts5(`text`, tokenize = 'porter unicode61 remove_diacritics 2');--> statement-breakpoint
-- The local vector index (dev and tests; production uses Vectorize): int8-quantised unit vectors.
-- `stamp` grows per workspace on every write, so an isolate's cache loads only what changed.
CREATE TABLE `search_vectors` (
	`doc_id` integer PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`session_id` text NOT NULL,
	`kind` text NOT NULL,
	`tool_name` text,
	`at` integer NOT NULL,
	`model` text NOT NULL,
	`stamp` integer NOT NULL,
	`vec` blob NOT NULL
);
--> statement-breakpoint
CREATE INDEX `search_vectors_stamp` ON `search_vectors` (`workspace_id`,`stamp`);--> statement-breakpoint
-- Indexing jobs that failed every retry (from the dead-letter queue), for an admin to see and re-run.
CREATE TABLE `search_dead_letters` (
	`id` integer PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`session_id` text NOT NULL,
	`job` text NOT NULL,
	`attempts` integer NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `search_dead_letters_workspace` ON `search_dead_letters` (`workspace_id`,`at`);

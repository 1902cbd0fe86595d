-- Idempotency keys of session launches (reliability issue 11, item 7). Hand-written, kept in step
-- with worker/db/schema.ts. A key binds (workspace, caller, key) to the request's hash and the id the
-- session was given, so a retried POST /api/sessions finds the same session instead of launching again.
CREATE TABLE `idempotency_keys` (
	`workspace_id` text NOT NULL,
	`subject` text NOT NULL,
	`key` text NOT NULL,
	`request_sha256` text NOT NULL,
	`session_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `subject`, `key`)
);
--> statement-breakpoint
CREATE INDEX `idempotency_keys_age` ON `idempotency_keys` (`workspace_id`,`subject`,`created_at`);

-- Issue 14, part 2 (decisions the machine verifies). Hand-written, kept in step with worker/db/schema.ts.
-- A person's device keys: the public half only (the secret never leaves the device). The id is derived from
-- the key (key_ + 32 hex digits of its sha256). `enrolment` and `revocation` are the signed statements the
-- agent checks itself; the server only stores and forwards them.
CREATE TABLE `device_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`user_id` text NOT NULL,
	`alg` text NOT NULL,
	`public_key` text NOT NULL,
	`label` text NOT NULL,
	`created_at` integer NOT NULL,
	`revoked_at` integer,
	`enrolment` text,
	`revocation` text,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `device_keys_workspace_user` ON `device_keys` (`workspace_id`,`user_id`);
--> statement-breakpoint
-- The machine owner requires signed decisions on this machine: the room refuses unsigned approvals and
-- turns rule allows into asks. The agent enforces it on its own pinned trust either way.
ALTER TABLE `agents` ADD `require_signed_decisions` integer DEFAULT false NOT NULL;

-- The audit log commits with its action and is anchored (security issue 10, items 13 and 18).
-- Hand-written, kept in step with worker/db/schema.ts.
-- Entries are first written here, in the same batch as the action they record (no chain read, so no
-- contention); the workspace's one sealer then chains them into audit_log in order.
CREATE TABLE `audit_pending` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`workspace_id` text NOT NULL,
	`at` integer NOT NULL,
	`actor` text NOT NULL,
	`actor_kind` text NOT NULL,
	`via` text NOT NULL,
	`action` text NOT NULL,
	`target` text NOT NULL,
	`details` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_pending_workspace` ON `audit_pending` (`workspace_id`,`id`);
--> statement-breakpoint
-- Signed checkpoints of the chain's head: an HMAC with a key the database does not hold.
CREATE TABLE `audit_checkpoints` (
	`workspace_id` text NOT NULL,
	`seq` integer NOT NULL,
	`hash` text NOT NULL,
	`mac` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `seq`)
);

-- Approval rules as code (issue 13, part 1). Hand-written, kept in step with worker/db/schema.ts.
-- Each change of a workspace's rule set is a new immutable version; the current set is the highest.
-- The primary key refuses a second writer of the same version, so two concurrent edits cannot both land.
CREATE TABLE `rule_set_versions` (
	`workspace_id` text NOT NULL,
	`version` integer NOT NULL,
	`source` text NOT NULL,
	`rules` text NOT NULL,
	`author_id` text,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `version`),
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);

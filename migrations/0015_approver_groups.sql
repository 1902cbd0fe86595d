-- Approver groups (issue 13, part 2: routing). Hand-written, kept in step with worker/db/schema.ts.
-- A named set of members and/or workspace roles; a rule's `ask` routes a call to one by name.
CREATE TABLE `approver_groups` (
	`workspace_id` text NOT NULL,
	`name` text NOT NULL,
	`members` text NOT NULL,
	`roles` text NOT NULL,
	`updated_by` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `name`),
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
-- Who may decide a routed call (eligible user ids, quorum, approvals so far), mirrored for the inbox.
ALTER TABLE `approvals` ADD `routing` text;

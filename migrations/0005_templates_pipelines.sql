-- Templates (versioned session recipes), the template/pipeline origin of each session, and
-- pipeline runs with their steps. Hand-written (see README): kept in step with worker/db/schema.ts.
CREATE TABLE `templates` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`visibility` text NOT NULL,
	`author_id` text NOT NULL,
	`latest_version` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`updated_by` text NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `templates_workspace_name` ON `templates` (`workspace_id`,`name`);--> statement-breakpoint
CREATE TABLE `template_versions` (
	`template_id` text NOT NULL,
	`version` integer NOT NULL,
	`recipe` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`template_id`, `version`),
	FOREIGN KEY (`template_id`) REFERENCES `templates`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `sessions` ADD `template_id` text;--> statement-breakpoint
ALTER TABLE `sessions` ADD `template_version` integer;--> statement-breakpoint
ALTER TABLE `sessions` ADD `template_params` text;--> statement-breakpoint
ALTER TABLE `sessions` ADD `pipeline_run_id` text;--> statement-breakpoint
ALTER TABLE `sessions` ADD `pipeline_step_id` text;--> statement-breakpoint
CREATE INDEX `sessions_pipeline` ON `sessions` (`pipeline_run_id`);--> statement-breakpoint
CREATE TABLE `pipeline_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`name` text NOT NULL,
	`status` text NOT NULL,
	`status_reason` text DEFAULT '' NOT NULL,
	`created_by` text NOT NULL,
	`created_by_subject` text NOT NULL,
	`plan` text NOT NULL,
	`params` text NOT NULL,
	`instance_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`ended_at` integer,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `pipeline_runs_workspace` ON `pipeline_runs` (`workspace_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `pipeline_steps` (
	`run_id` text NOT NULL,
	`step_id` text NOT NULL,
	`workspace_id` text NOT NULL,
	`position` integer NOT NULL,
	`status` text NOT NULL,
	`status_reason` text DEFAULT '' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`session_id` text,
	`agent_id` text,
	`agent_name` text,
	`session_ids` text DEFAULT '[]' NOT NULL,
	`result` text,
	`cost_usd` real DEFAULT 0 NOT NULL,
	`ready_at` integer,
	`started_at` integer,
	`ended_at` integer,
	`not_before` integer,
	PRIMARY KEY(`run_id`, `step_id`),
	FOREIGN KEY (`run_id`) REFERENCES `pipeline_runs`(`id`) ON UPDATE no action ON DELETE no action
);

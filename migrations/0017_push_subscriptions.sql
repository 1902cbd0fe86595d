-- Web Push (issue 14, part 1). Hand-written, kept in step with worker/db/schema.ts.
-- One row per browser (its push endpoint) a member subscribed in a workspace; the keys encrypt payloads to it.
CREATE TABLE `push_subscriptions` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`user_id` text NOT NULL,
	`endpoint` text NOT NULL,
	`p256dh` text NOT NULL,
	`auth` text NOT NULL,
	`device` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `push_subscriptions_endpoint` ON `push_subscriptions` (`workspace_id`,`endpoint`);
--> statement-breakpoint
CREATE INDEX `push_subscriptions_user` ON `push_subscriptions` (`workspace_id`,`user_id`);
--> statement-breakpoint
-- Which approvals a member wants pushed (mine | groups | all), and quiet hours in their time zone.
CREATE TABLE `push_preferences` (
	`workspace_id` text NOT NULL,
	`user_id` text NOT NULL,
	`scope` text NOT NULL,
	`quiet` text,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `user_id`),
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);

CREATE TABLE `audit_log` (
	`workspace_id` text NOT NULL,
	`seq` integer NOT NULL,
	`at` integer NOT NULL,
	`actor` text NOT NULL,
	`actor_kind` text NOT NULL,
	`via` text NOT NULL,
	`action` text NOT NULL,
	`target` text NOT NULL,
	`details` text NOT NULL,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL,
	PRIMARY KEY(`workspace_id`, `seq`),
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `audit_action` ON `audit_log` (`workspace_id`,`action`,`at`);--> statement-breakpoint
CREATE TABLE `memberships` (
	`workspace_id` text NOT NULL,
	`user_id` text NOT NULL,
	`role` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `user_id`),
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `memberships_user` ON `memberships` (`user_id`);--> statement-breakpoint
CREATE TABLE `session_grants` (
	`session_id` text NOT NULL,
	`workspace_id` text NOT NULL,
	`principal` text NOT NULL,
	`role` text NOT NULL,
	`granted_by` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`session_id`, `principal`),
	FOREIGN KEY (`session_id`) REFERENCES `sessions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `session_grants_principal` ON `session_grants` (`workspace_id`,`principal`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text,
	`name` text NOT NULL,
	`created_at` integer NOT NULL,
	`disabled_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email` ON `users` (`email`);--> statement-breakpoint
ALTER TABLE `api_tokens` ADD `user_id` text;--> statement-breakpoint
ALTER TABLE `api_tokens` ADD `scopes` text DEFAULT '["*"]' NOT NULL;--> statement-breakpoint
ALTER TABLE `api_tokens` ADD `rotated_from` text;--> statement-breakpoint
ALTER TABLE `sessions` ADD `owner_id` text DEFAULT '' NOT NULL;--> statement-breakpoint
-- Installs from before teams: each existing user token becomes a user who owns the workspace.
INSERT INTO `users` (`id`, `email`, `name`, `created_at`) SELECT 'usr_' || substr(`id`, 5), NULL, `subject`, `created_at` FROM `api_tokens` WHERE `kind` = 'user' AND `user_id` IS NULL;--> statement-breakpoint
INSERT INTO `memberships` (`workspace_id`, `user_id`, `role`, `created_at`) SELECT `workspace_id`, 'usr_' || substr(`id`, 5), 'owner', `created_at` FROM `api_tokens` WHERE `kind` = 'user' AND `user_id` IS NULL;--> statement-breakpoint
UPDATE `api_tokens` SET `user_id` = 'usr_' || substr(`id`, 5) WHERE `kind` = 'user' AND `user_id` IS NULL;--> statement-breakpoint
UPDATE `sessions` SET `owner_id` = COALESCE((SELECT `user_id` FROM `api_tokens` t WHERE t.`kind` = 'user' AND t.`workspace_id` = `sessions`.`workspace_id` ORDER BY t.`created_at` LIMIT 1), '') WHERE `owner_id` = '';

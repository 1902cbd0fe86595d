-- Every machine has an owner: machines created before enrollment (the one `npm start` bootstraps)
-- go to the workspace's first owner, so nobody can claim them by enrolling under their name.
UPDATE `agents` SET `owner_id` = COALESCE((SELECT `m`.`user_id` FROM `memberships` `m` WHERE `m`.`workspace_id` = `agents`.`workspace_id` AND `m`.`role` = 'owner' ORDER BY `m`.`created_at` LIMIT 1), '') WHERE `owner_id` = '';
--> statement-breakpoint
-- The stdio MCP commands a machine's owner lets sessions start there (JSON array; none by default).
ALTER TABLE `agents` ADD `allowed_mcp_commands` text DEFAULT '[]' NOT NULL;

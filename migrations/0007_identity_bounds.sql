-- Identity bounds (security issue 10, items 8 and 12). Hand-written, kept in step with worker/db/schema.ts.
-- A device login's token carries the scopes of the token that approved it, never more.
ALTER TABLE `device_codes` ADD `scopes` text;
--> statement-breakpoint
-- A browser session made from a personal token ends when that token is revoked, rotated or expires.
ALTER TABLE `browser_sessions` ADD `source_token_id` text;

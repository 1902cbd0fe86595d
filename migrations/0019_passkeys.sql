-- Issue 14, part 2: passkeys (WebAuthn) as device keys. Hand-written, kept in step with worker/db/schema.ts.
-- A passkey's credential id and the RP ID and origin it was registered on, which its enrolment pins; null
-- for an Ed25519 key.
ALTER TABLE `device_keys` ADD `webauthn` text;
--> statement-breakpoint
-- Registration challenges, kept server-side for a few minutes and consumed by the one registration that
-- answers them (a stale or replayed registration finds none).
CREATE TABLE `webauthn_challenges` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`user_id` text NOT NULL,
	`challenge` text NOT NULL,
	`expires_at` integer NOT NULL
);

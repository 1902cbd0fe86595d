-- A session room's outbox delivers audit entries until D1 has them, so a delivery may repeat
-- (issue 11, item 2). Hand-written, kept in step with worker/db/schema.ts.
-- Each entry sent from an outbox names its source (session and event seq); an entry whose source is
-- already here is not written again, even after the sealer has moved it out of audit_pending.
CREATE TABLE `audit_sources` (
	`workspace_id` text NOT NULL,
	`source` text NOT NULL,
	PRIMARY KEY(`workspace_id`, `source`)
);

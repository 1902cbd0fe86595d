-- Issue 14: a passkey's WebAuthn signature counter, as its last accepted assertion reported it (0 for an
-- Ed25519 key, and for an authenticator that does not count). A signed decision whose counter does not
-- increase is refused (a cloned authenticator). Hand-written, kept in step with worker/db/schema.ts.
ALTER TABLE `device_keys` ADD `sign_count` integer DEFAULT 0 NOT NULL;

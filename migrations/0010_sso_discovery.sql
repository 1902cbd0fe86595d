-- The issuer's OpenID Connect discovery document, read when an admin saves the SSO settings, so that an
-- anonymous /auth/oidc/<workspace>/start never makes the Worker fetch an admin-set URL. Rows saved before
-- this have none: their sign-in answers sso_not_configured until an admin saves the settings again.
-- Hand-written (see README): kept in step with worker/db/schema.ts.
ALTER TABLE `workspace_sso` ADD `discovery` text;

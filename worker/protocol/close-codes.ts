/**
 * The WebSocket close codes Tower's sockets end with, apart from the frame schemas (frames.ts re-exports
 * them): a live client needs them from its first close, before it has loaded any schema.
 */

/** WebSocket close code for a socket whose token was revoked: clients must not reconnect with it. */
export const TOKEN_REVOKED_CLOSE = 4001;

/**
 * Close code (RFC 6455 "service restart") for a socket opened before the server kept its caller per
 * connection: the client reconnects, and the upgrade route hands the room or hub who it is.
 */
export const RECONNECT_CLOSE = 1012;

/** WebSocket close code for a socket whose caller may no longer read what it shows (a share removed, a role lowered). */
export const ACCESS_REVOKED_CLOSE = 4003;

/**
 * /api/passkeys: registering a passkey (WebAuthn) as a device key for signed decisions. The server makes
 * and keeps the challenge (short-lived, used once) and checks the registration with @simplewebauthn/server
 * for this Worker's own origin and RP ID, which the key then carries (and its owner-signed enrolment pins).
 * What it stores is the public COSE key only; the key id is derived from it as for Ed25519 keys.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { generateRegistrationOptions, verifyRegistrationResponse } from "@simplewebauthn/server";
import { recordAudit } from "../auth/audit";
import { getDeviceKey, insertDeviceKey, listDeviceKeys } from "../db/device-keys";
import { consumeChallenge, putChallenge } from "../db/webauthn-challenges";
import type { AppEnv } from "../env";
import { errorResponses, jsonBody, jsonResponse, router } from "../http";
import { DeviceKeyInfo, PasskeyOptions, RegisterPasskeyBody } from "../protocol/device-keys";
import { ApiError } from "../protocol/errors";
import { keyIdOf, toBase64Url } from "../protocol/signed-decision";
import { keysChanged } from "./keys";
import type { Context } from "hono";

const tags = ["keys"];
/** How long a registration challenge may be answered. */
const CHALLENGE_TTL_MS = 5 * 60_000;

/** The relying party is this Worker as the browser reached it: passkeys are bound to its host name. */
function relyingParty(c: Context<AppEnv>): { rpId: string; origin: string } {
  const url = new URL(c.req.url);
  return { rpId: url.hostname, origin: url.origin };
}

function person(c: Context<AppEnv>): string {
  const { userId } = c.var.auth;
  if (!userId) throw new ApiError("FORBIDDEN", "Only a person can register a passkey.");
  return userId;
}

export const passkeys = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/options",
      tags,
      responses: { 200: jsonResponse(z.object({ options: PasskeyOptions }), "Options for navigator.credentials.create."), ...errorResponses },
    }),
    async (c) => {
      const userId = person(c);
      const { workspaceId } = c.var.auth;
      const own = await listDeviceKeys(c.var.deps.db, workspaceId, userId);
      const options = await generateRegistrationOptions({
        rpName: "Tower",
        rpID: relyingParty(c).rpId,
        userName: userId,
        userID: new TextEncoder().encode(userId) as Uint8Array<ArrayBuffer>,
        attestationType: "none",
        authenticatorSelection: { residentKey: "preferred", userVerification: "required" },
        excludeCredentials: own.flatMap((k) => (k.webauthn && k.revokedAt === null ? [{ id: k.webauthn.credentialId }] : [])),
        supportedAlgorithmIDs: [-7, -257],
        timeout: CHALLENGE_TTL_MS,
      });
      const now = Date.now();
      await putChallenge(c.var.deps.db, { id: options.challenge, workspaceId, userId, challenge: options.challenge, expiresAt: now + CHALLENGE_TTL_MS }, now);
      return c.json({ options: PasskeyOptions.parse(options) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags,
      request: jsonBody(RegisterPasskeyBody),
      responses: { 201: jsonResponse(DeviceKeyInfo, "The registered passkey as a device key."), ...errorResponses },
    }),
    async (c) => {
      const userId = person(c);
      const { workspaceId } = c.var.auth;
      const { label, registration } = c.req.valid("json");
      const rp = relyingParty(c);
      const now = Date.now();
      let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
      try {
        verified = await verifyRegistrationResponse({
          response: registration as Parameters<typeof verifyRegistrationResponse>[0]["response"],
          // The challenge must be one this server issued to this person and nobody has answered yet.
          expectedChallenge: async (challenge) => (await consumeChallenge(c.var.deps.db, workspaceId, userId, challenge, now)) !== null,
          expectedOrigin: rp.origin,
          expectedRPID: rp.rpId,
          requireUserVerification: true,
        });
      } catch (e) {
        throw new ApiError("BAD_REQUEST", `The passkey registration does not verify: ${(e as Error).message}. Start again from Settings → Device keys.`);
      }
      if (!verified.verified || !verified.registrationInfo) throw new ApiError("BAD_REQUEST", "The passkey registration does not verify; start again.");
      const { credential } = verified.registrationInfo;
      const id = await keyIdOf(new Uint8Array(credential.publicKey));
      const webauthn = { credentialId: credential.id, ...rp };
      const row = {
        id,
        workspaceId,
        userId,
        alg: "webauthn",
        publicKey: toBase64Url(credential.publicKey),
        label,
        createdAt: now,
        webauthn,
        signCount: credential.counter,
      };
      if (!(await insertDeviceKey(c.var.deps.db, row))) throw new ApiError("CONFLICT", `Passkey ${id} is already registered.`);
      await keysChanged(c);
      await recordAudit(c, "key.add", id, { label, alg: "webauthn" });
      return c.json((await getDeviceKey(c.var.deps.db, workspaceId, id))!, 201);
    },
  );

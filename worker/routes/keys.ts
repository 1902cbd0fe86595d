/**
 * /api/keys: people's device keys for signed decisions. Tower holds only public halves and the signed
 * enrolment and revocation statements, which it checks here (a clear 4xx early) and forwards to
 * machines; a machine that requires signed decisions trusts none of it without checking it itself.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { recordAudit } from "../auth/audit";
import { signatureValid } from "../auth/statement-signature";
import { getDeviceKey, insertDeviceKey, listDeviceKeys, revokeDeviceKey, setEnrolment } from "../db/device-keys";
import { can } from "../domain/policy";
import type { AppEnv } from "../env";
import { errorResponses, jsonBody, jsonResponse, router } from "../http";
import { DeviceKeyInfo, EnrolKeyBody, KeyListQuery, keyRefusal, RegisterKeyBody, RevokeKeyBody, verifyingKeyOf } from "../protocol/device-keys";
import { ApiError } from "../protocol/errors";
import { fromBase64Url, KeyId, keyIdOf, type StatementSignature } from "../protocol/signed-decision";
import { workspaceHub } from "../rooms";

const tags = ["keys"];
const Param = z.object({ id: KeyId });

async function keyOrThrow(c: Context<AppEnv>, id: string): Promise<DeviceKeyInfo> {
  const key = await getDeviceKey(c.var.deps.db, c.var.auth.workspaceId, id);
  if (!key) throw new ApiError("NOT_FOUND", `No key ${id} in this workspace; \`tower keys ls --all\` lists them.`);
  return key;
}

/**
 * Every change to a device key goes through here after its write and before the answer: the workspace hub
 * drops its copy and tells every room holding one, so the next signed decision anywhere sees the change.
 */
export async function keysChanged(c: Context<AppEnv>): Promise<void> {
  await (await workspaceHub(c.env, c.var.auth.workspaceId)).keysChanged();
}

/** The caller's own live key that made `signature`; a statement signed by anyone else's key is refused. */
async function ownSigner(c: Context<AppEnv>, signature: StatementSignature): Promise<DeviceKeyInfo> {
  const signer = await keyOrThrow(c, signature.keyId);
  const refused = keyRefusal(signer);
  if (signer.userId !== c.var.auth.userId || refused)
    throw new ApiError(
      "FORBIDDEN",
      `Key ${signature.keyId} is not a live key of yours (${refused ?? "another person's"}); sign with your own key (\`tower keys ls\`).`,
    );
  return signer;
}

export const keys = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      request: { query: KeyListQuery },
      responses: { 200: jsonResponse(z.object({ keys: z.array(DeviceKeyInfo) }), "Device keys (public halves), oldest first."), ...errorResponses },
    }),
    async (c) => {
      const all = c.req.valid("query").all === "true";
      return c.json({ keys: await listDeviceKeys(c.var.deps.db, c.var.auth.workspaceId, all ? null : (c.var.auth.userId ?? "")) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags,
      request: jsonBody(RegisterKeyBody),
      responses: { 201: jsonResponse(DeviceKeyInfo, "The registered key; its id is derived from the public key."), ...errorResponses },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const actor = c.var.auth;
      if (!actor.userId) throw new ApiError("FORBIDDEN", "Only a person can register a device key.");
      const id = await keyIdOf(fromBase64Url(body.publicKey));
      const row = {
        id,
        workspaceId: actor.workspaceId,
        userId: actor.userId,
        alg: body.alg,
        publicKey: body.publicKey,
        label: body.label,
        createdAt: Date.now(),
      };
      if (!(await insertDeviceKey(c.var.deps.db, row))) throw new ApiError("CONFLICT", `Key ${id} is already registered; \`tower keys ls\` shows it.`);
      await keysChanged(c);
      await recordAudit(c, "key.add", id, { label: body.label });
      return c.json((await getDeviceKey(c.var.deps.db, actor.workspaceId, id))!, 201);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/{id}/enrolment",
      tags,
      request: { params: Param, ...jsonBody(EnrolKeyBody) },
      responses: { 200: jsonResponse(DeviceKeyInfo, "The key with the enrolment its issuer signed."), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { enrolment } = c.req.valid("json");
      const key = await keyOrThrow(c, id);
      const s = enrolment.statement;
      if (s.keyId !== id || s.publicKey !== key.publicKey || s.userId !== key.userId || s.workspaceId !== c.var.auth.workspaceId)
        throw new ApiError("BAD_REQUEST", `The enrolment does not name key ${id} as registered (its public key, holder and workspace).`);
      const refused = keyRefusal(key);
      if (refused) throw new ApiError("CONFLICT", `Key ${id} cannot be enrolled: ${refused}.`);
      const signer = await ownSigner(c, enrolment.signature);
      if (!(await signatureValid(s, enrolment.signature, verifyingKeyOf(signer))))
        throw new ApiError("FORBIDDEN", `The enrolment's signature does not verify with key ${signer.id}.`);
      await setEnrolment(c.var.deps.db, c.var.auth.workspaceId, id, enrolment);
      await keysChanged(c);
      await recordAudit(c, "key.enrol", id, { by: signer.id, machines: s.machines });
      return c.json((await getDeviceKey(c.var.deps.db, c.var.auth.workspaceId, id))!, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/revoke",
      tags,
      request: { params: Param, ...jsonBody(RevokeKeyBody) },
      responses: { 200: jsonResponse(DeviceKeyInfo, "The revoked key."), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { revocation } = c.req.valid("json");
      const key = await keyOrThrow(c, id);
      if (key.userId !== c.var.auth.userId && !can(c.var.auth, "token.admin").ok && !revocation)
        throw new ApiError("FORBIDDEN", `Key ${id} is not yours; its holder, an admin or its enroller (with a signed revocation) may revoke it.`);
      if (revocation) {
        const s = revocation.statement;
        if (s.keyId !== id || s.workspaceId !== c.var.auth.workspaceId)
          throw new ApiError("BAD_REQUEST", `The revocation does not name key ${id} in this workspace.`);
        // Signed by the key itself, or by one of the caller's own keys (the enroller's); the machine decides whom it believes.
        const signer = revocation.signature.keyId === id ? key : await ownSigner(c, revocation.signature);
        if (!(await signatureValid(s, revocation.signature, verifyingKeyOf(signer))))
          throw new ApiError("FORBIDDEN", `The revocation's signature does not verify with key ${signer.id}.`);
      }
      await revokeDeviceKey(c.var.deps.db, c.var.auth.workspaceId, id, key.revokedAt ?? Date.now(), revocation ?? null);
      await keysChanged(c);
      await recordAudit(c, "key.revoke", id, { signed: Boolean(revocation) });
      return c.json((await getDeviceKey(c.var.deps.db, c.var.auth.workspaceId, id))!, 200);
    },
  );

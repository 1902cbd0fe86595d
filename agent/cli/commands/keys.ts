/**
 * `tower keys add|ls|enrol|revoke`: this device's Ed25519 key for signed decisions. `add` makes the key
 * pair here (the secret stays in the config dir, mode 0600) and registers its public half; a machine's
 * owner pins their own key on the machine (`tower agent --owner-key`) and enrols other approvers' keys
 * with a statement signed by it; `revoke` signs the revocation machines check.
 */
import { Command } from "commander";
import { enrolmentOf, ownerPinOf } from "../../../worker/protocol/device-keys";
import { fromBase64Url, keyIdOf } from "../../../worker/protocol/signed-decision";
import { ed25519 } from "../../ed25519";
import { clientFor, textFlag, type CliContext } from "../config";
import { deviceKeyPath, fingerprint, forgetDeviceKey, readDeviceKey, signWith, writeDeviceKey } from "../device-key";
import { CliError, printJson, printLines, table } from "../output";
import { formatAge } from "../render";

const list = (v: string) =>
  v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

export function keysCommand(ctx: CliContext): Command {
  const cmd = new Command("keys").description("this device's key for signed decisions: add, list, enrol an approver's key, revoke");
  cmd
    .command("add")
    .description("make this device's Ed25519 key (the secret never leaves it) and register its public half")
    .option("--label <text>", "what the key is, e.g. laptop", textFlag)
    .option("--json", "print the registered key as JSON")
    .action(async (flags: { label?: string; json?: boolean }, sub: Command) => {
      const client = clientFor(ctx, sub);
      const existing = readDeviceKey(ctx, { server: client.baseUrl });
      if (existing) throw new CliError("CONFLICT", `this device already has key ${existing.keyId}`, `revoke it first: tower keys revoke ${existing.keyId}`);
      const me = await client.me();
      if (!me.user) throw new CliError("FORBIDDEN", "only a person has device keys", "sign in with your own token (tower login)");
      const { secretKey, publicKey } = ed25519().generate();
      const keyId = await keyIdOf(fromBase64Url(publicKey));
      const file = {
        keyId,
        alg: "ed25519" as const,
        publicKey,
        secretKey,
        userId: me.user.id,
        workspaceId: me.workspaceId,
        server: client.baseUrl,
      };
      // Kept before registering: a key registered but lost here could never sign.
      const path = writeDeviceKey(ctx, file);
      const info = await client.registerKey({ alg: "ed25519", publicKey: file.publicKey, label: flags.label ?? "cli" });
      if (flags.json) return printJson(ctx.io, info);
      printLines(ctx.io, [
        { text: `added ${keyId} (fingerprint ${fingerprint(file.publicKey)}); secret kept in ${path}`, tone: "ok" },
        { text: "tower approve and tower deny now sign your decisions with it.", tone: "dim" },
        { text: "On a machine you own, pin it so the machine requires decisions signed by you or keys you enrol:", tone: "dim" },
        { text: `  tower agent --owner-key ${file.publicKey}` },
      ]);
    });
  cmd
    .command("ls")
    .description("list your keys (--all: every key of the workspace)")
    .option("--all", "every key of the workspace")
    .option("--json", "print as JSON")
    .action(async (flags: { all?: boolean; json?: boolean }, sub: Command) => {
      const client = clientFor(ctx, sub);
      const { keys } = await client.listKeys(flags.all === true);
      // `pin`: what `tower agent --owner-key` takes to pin the key (a passkey's carries its credential and origin).
      if (flags.json) return printJson(ctx.io, { keys: keys.map((k) => ({ ...k, pin: ownerPinOf(k) })) });
      if (!keys.length) return printLines(ctx.io, [{ text: "no keys: tower keys add", tone: "dim" }]);
      const mine = readDeviceKey(ctx, { server: client.baseUrl })?.keyId;
      const now = ctx.now();
      const rows = keys.map((k) => [
        `${k.id}${k.id === mine ? " *" : ""}`,
        k.label,
        k.userId,
        fingerprint(k.publicKey),
        `${formatAge(now - k.createdAt)} ago`,
        k.unreadable
          ? "unusable (a stored statement does not read)"
          : k.revokedAt
            ? "revoked"
            : k.enrolment
              ? `enrolled by ${k.enrolment.signature.keyId}`
              : "active",
      ]);
      const [header = "", ...body] = table(["ID", "LABEL", "USER", "FINGERPRINT", "CREATED", "STATE"], rows);
      printLines(ctx.io, [{ text: header, tone: "dim" }, ...body.map((text) => ({ text })), { text: "* this device", tone: "dim" }]);
    });
  cmd
    .command("enrol")
    .description("as a machine's owner: let another person's key decide on your machines (signed with this device's key)")
    .argument("<key-id>", "their key (tower keys ls --all); check its fingerprint with them first", textFlag)
    .option("--machines <ids>", "only on these machines (agent ids, comma-separated); default: every machine that pins your key", list)
    .option("--json", "print the enrolled key as JSON")
    .action(async (id: string, flags: { machines?: string[]; json?: boolean }, sub: Command) => {
      const client = clientFor(ctx, sub);
      const mine = readDeviceKey(ctx, { server: client.baseUrl });
      if (!mine) throw new CliError("USAGE", "this device has no key to sign the enrolment with", "tower keys add");
      const key = (await client.listKeys(true)).keys.find((k) => k.id === id);
      if (!key) throw new CliError("NOT_FOUND", `no key ${id} in this workspace`, "tower keys ls --all");
      if (key.alg === "webauthn" && !key.webauthn)
        throw new CliError("CONFLICT", `passkey ${id} is listed without its credential`, "register it again in Settings → Device keys");
      const enrolment = signWith(mine, enrolmentOf(key, mine.workspaceId, ctx.now(), flags.machines ?? null));
      const info = await client.enrolKey(id, { enrolment });
      if (flags.json) return printJson(ctx.io, info);
      printLines(ctx.io, [
        {
          text: `enrolled ${key.alg === "webauthn" ? "passkey " : ""}${id} of ${key.userId} (fingerprint ${fingerprint(key.publicKey)}${key.webauthn ? `, for ${key.webauthn.origin}` : ""}), signed by ${mine.keyId}`,
          tone: "ok",
        },
      ]);
    });
  cmd
    .command("revoke")
    .description("revoke a key: machines refuse its decisions from then on (signed by this device's key when it can)")
    .argument("<key-id>", "the key (tower keys ls)", textFlag)
    .option("--json", "print the revoked key as JSON")
    .action(async (id: string, flags: { json?: boolean }, sub: Command) => {
      const client = clientFor(ctx, sub);
      const mine = readDeviceKey(ctx, { server: client.baseUrl });
      // Signed by the key itself, or by this device's key as the enroller; machines accept either.
      const revocation = mine
        ? signWith(mine, { type: "tower.revocation/v1", workspaceId: mine.workspaceId, keyId: id as typeof mine.keyId, revokedAt: ctx.now() })
        : undefined;
      const info = await client.revokeKey(id, revocation ? { revocation } : {});
      if (mine?.keyId === id) forgetDeviceKey(ctx);
      if (flags.json) return printJson(ctx.io, info);
      printLines(ctx.io, [
        {
          text: `revoked ${id}${revocation ? `, signed by ${revocation.signature.keyId}` : " (unsigned: machines learn of it only from a signed revocation)"}`,
          tone: "ok",
        },
        ...(mine?.keyId === id ? [{ text: `removed ${deviceKeyPath(ctx)}`, tone: "dim" as const }] : []),
      ]);
    });
  return cmd;
}

/**
 * Prefixed, branded identifiers shared by every part of Tower.
 * A prefix tells a human (and a log search) what an id names; the brand stops a session id
 * being passed where an approval id is expected. Generation uses Web Crypto, so it runs in
 * workerd, Node and the browser alike.
 */
import { z } from "zod";

const ID_BODY = /^[0-9a-z]{20}$/;
const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

function prefixed<P extends string>(prefix: P) {
  return z
    .string()
    .refine((s) => s.startsWith(`${prefix}_`) && ID_BODY.test(s.slice(prefix.length + 1)), {
      message: `must be a ${prefix}_ id`,
    })
    .brand<`${P}Id`>();
}

export const SessionId = prefixed("ses");
export type SessionId = z.infer<typeof SessionId>;
export const ApprovalId = prefixed("apr");
export type ApprovalId = z.infer<typeof ApprovalId>;
export const AgentId = prefixed("agt");
export type AgentId = z.infer<typeof AgentId>;
export const WorkspaceId = prefixed("wsp");
export type WorkspaceId = z.infer<typeof WorkspaceId>;
export const TokenId = prefixed("tok");
export type TokenId = z.infer<typeof TokenId>;
export const UserId = prefixed("usr");
export type UserId = z.infer<typeof UserId>;
export const InvitationId = prefixed("inv");
export type InvitationId = z.infer<typeof InvitationId>;
export const BrowserSessionId = prefixed("bss");
export type BrowserSessionId = z.infer<typeof BrowserSessionId>;
export const TemplateId = prefixed("tpl");
export type TemplateId = z.infer<typeof TemplateId>;
export const PipelineRunId = prefixed("run");
export type PipelineRunId = z.infer<typeof PipelineRunId>;
export const PushDeviceId = prefixed("psh");
export type PushDeviceId = z.infer<typeof PushDeviceId>;

type Prefix = "ses" | "apr" | "agt" | "wsp" | "tok" | "usr" | "inv" | "bss" | "tpl" | "run" | "psh";
type IdFor<P extends Prefix> = P extends "ses"
  ? SessionId
  : P extends "apr"
    ? ApprovalId
    : P extends "agt"
      ? AgentId
      : P extends "wsp"
        ? WorkspaceId
        : P extends "usr"
          ? UserId
          : P extends "inv"
            ? InvitationId
            : P extends "bss"
              ? BrowserSessionId
              : P extends "tpl"
                ? TemplateId
                : P extends "run"
                  ? PipelineRunId
                  : P extends "psh"
                    ? PushDeviceId
                    : TokenId;

/** Mints a fresh random id with the given prefix, e.g. `newId("ses")` → `ses_0k3…`. */
export function newId<P extends Prefix>(prefix: P): IdFor<P> {
  const bytes = crypto.getRandomValues(new Uint8Array(20));
  let body = "";
  for (const b of bytes) body += ALPHABET[b % ALPHABET.length];
  return `${prefix}_${body}` as IdFor<P>;
}

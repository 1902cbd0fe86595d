/**
 * Typed, validated configuration from the Worker's vars. Parsed once per isolate: a bad value
 * fails loudly at the first request instead of misbehaving later.
 */
import { z } from "zod";

const Vars = z.object({
  APPROVAL_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(30 * 24 * 3600).default(3600),
  AGENT_GRACE_SECONDS: z.coerce.number().int().min(1).max(24 * 3600).default(30),
});

export interface Config {
  approvalTimeoutMs: number;
  agentGraceMs: number;
}

let cached: Config | null = null;

export function configFrom(env: Pick<Env, "APPROVAL_TIMEOUT_SECONDS" | "AGENT_GRACE_SECONDS">): Config {
  if (cached) return cached;
  const v = Vars.parse(env);
  cached = { approvalTimeoutMs: v.APPROVAL_TIMEOUT_SECONDS * 1000, agentGraceMs: v.AGENT_GRACE_SECONDS * 1000 };
  return cached;
}

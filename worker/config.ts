/**
 * Typed, validated configuration from the Worker's vars. Parsed once per isolate: a bad value
 * fails loudly at the first request instead of misbehaving later.
 */
import { z } from "zod";

const Origins = z
  .string()
  .default("")
  .transform((s) =>
    s
      .split(",")
      .map((o) => o.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.url({ protocol: /^https?$/ }).refine((u) => new URL(u).origin === u, "must be an origin like https://tower.example.com, without a path")));

const Vars = z.object({
  APPROVAL_TIMEOUT_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(30 * 24 * 3600)
    .default(3600),
  APPROVAL_PARK_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(30 * 24 * 3600)
    .default(300),
  AGENT_GRACE_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 3600)
    .default(30),
  ALLOWED_ORIGINS: Origins,
});

export interface Config {
  approvalTimeoutMs: number;
  /** How long a call waits for approval before its run is parked (party/core/parking.ts). */
  parkAfterMs: number;
  agentGraceMs: number;
  /** Origins besides Tower's own whose pages may change things or open sockets. */
  allowedOrigins: string[];
}

let cached: Config | null = null;

export interface ConfigVars {
  APPROVAL_TIMEOUT_SECONDS?: string;
  APPROVAL_PARK_SECONDS?: string;
  AGENT_GRACE_SECONDS?: string;
  ALLOWED_ORIGINS?: string;
}

export function configFrom(env: ConfigVars): Config {
  if (cached) return cached;
  const v = Vars.parse(env);
  cached = {
    approvalTimeoutMs: v.APPROVAL_TIMEOUT_SECONDS * 1000,
    parkAfterMs: v.APPROVAL_PARK_SECONDS * 1000,
    agentGraceMs: v.AGENT_GRACE_SECONDS * 1000,
    allowedOrigins: v.ALLOWED_ORIGINS,
  };
  return cached;
}

/**
 * The vars and Worker secrets sign-in needs, validated. Secrets (TOWER_SECRET_KEY,
 * GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET) are set with `wrangler secret put` and are absent from
 * wrangler.toml, so they are read as optional here: GitHub sign-in is offered only when both GitHub
 * secrets are set, and per-workspace SSO can only be configured when TOWER_SECRET_KEY is.
 */
import { z } from "zod";

const BaseUrl = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ""));
const Optional = z
  .string()
  .trim()
  .optional()
  .transform((s) => s || undefined);

const SignInVars = z.object({
  TOWER_SECRET_KEY: Optional,
  GITHUB_CLIENT_ID: Optional,
  GITHUB_CLIENT_SECRET: Optional,
  GITHUB_WEB_URL: BaseUrl.default("https://github.com"),
  GITHUB_API_URL: BaseUrl.default("https://api.github.com"),
});

export interface SignInConfig {
  secretKey: string | undefined;
  github: { clientId: string; clientSecret: string; webUrl: string; apiUrl: string } | null;
}

export function signInConfig(env: object): SignInConfig {
  const v = SignInVars.parse(env);
  const github =
    v.GITHUB_CLIENT_ID && v.GITHUB_CLIENT_SECRET
      ? { clientId: v.GITHUB_CLIENT_ID, clientSecret: v.GITHUB_CLIENT_SECRET, webUrl: v.GITHUB_WEB_URL, apiUrl: v.GITHUB_API_URL }
      : null;
  return { secretKey: v.TOWER_SECRET_KEY, github };
}

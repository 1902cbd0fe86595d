/**
 * Whether Claude Code on this machine can authenticate, judged only from what it reads when it starts
 * (no network): a key or token in the environment, a cloud provider switch, or the login `claude`'s
 * `/login` saves. `npm start` checks it before any session fails; a run that does fail with Claude
 * Code's "Not logged in · Please run /login" gets the same advice, since `/login` means nothing in Tower.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { z } from "zod";

/** What to do, for a person who runs Tower rather than Claude Code's own terminal. */
export const CLAUDE_AUTH_ADVICE =
  "set ANTHROPIC_API_KEY (a key from console.anthropic.com) or ANTHROPIC_AUTH_TOKEN in the environment of `npm start` or `tower agent` and restart the agent, or sign Claude Code in on this machine once (run `claude`, then /login)";

export type Env = Record<string, string | undefined>;

/** The part of Claude Code's saved login that says there is one; other fields are Claude Code's business. */
const SavedLogin = z.object({ claudeAiOauth: z.object({ accessToken: z.string().min(1) }) });

const truthy = (v: string | undefined) => v !== undefined && v !== "" && v !== "0" && v.toLowerCase() !== "false";

/** The login `/login` saves: a file on Linux and Windows, the login keychain on macOS. */
function savedLogin(env: Env, home: string, platform: NodeJS.Platform): string | null {
  const file = join(env.CLAUDE_CONFIG_DIR ?? join(home, ".claude"), ".credentials.json");
  if (existsSync(file)) {
    let saved: unknown = null;
    try {
      saved = JSON.parse(readFileSync(file, "utf8"));
    } catch {
      // An unreadable file is no login; the advice says how to make one.
    }
    if (SavedLogin.safeParse(saved).success) return `your Claude login (${file})`;
  }
  if (platform === "darwin") {
    const r = spawnSync("security", ["find-generic-password", "-s", "Claude Code-credentials"], { stdio: "ignore", timeout: 2000 });
    if (r.status === 0) return "your Claude login (macOS keychain)";
  }
  return null;
}

/**
 * Where Claude Code would take its credentials from here, or null when it has none.
 * An `apiKeyHelper` in ~/.claude/settings.json does not count: the agent runs Claude Code without the
 * user's settings (so they cannot approve tool calls silently), and so without that helper too.
 */
export function claudeAuthSource(env: Env = process.env, home = homedir(), platform: NodeJS.Platform = process.platform): string | null {
  for (const k of ["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "CLAUDE_CODE_OAUTH_TOKEN"]) if (env[k]) return k;
  for (const k of ["CLAUDE_CODE_USE_BEDROCK", "CLAUDE_CODE_USE_VERTEX", "CLAUDE_CODE_USE_FOUNDRY"]) if (truthy(env[k])) return k;
  return savedLogin(env, home, platform);
}

/** Claude Code's own words for "no credentials", which tell its terminal user to run /login. */
const NOT_LOGGED_IN = /not logged in|please run \/login|invalid api key/i;

/** A run's error, with what a Tower user can do about it when Claude Code had no credentials. */
export function explainClaudeError(error: string): string {
  return NOT_LOGGED_IN.test(error) ? `${error}. Claude Code has no credentials on this machine: ${CLAUDE_AUTH_ADVICE}` : error;
}

/**
 * What `npm start` tells a newcomer once Tower is up: where it runs, how a browser (or a phone) signs
 * in, what Claude Code still needs before a session can work, and a first run to try in a scratch
 * directory (never Tower's own source tree). Pure text, so tests read exactly what a person sees.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { CLAUDE_AUTH_ADVICE } from "../claude-auth";

export interface FirstRun {
  url: string;
  /** Printed once, on the first start. */
  adminToken?: string;
  /** Where the CLI's config was written this time, or null when it was not. */
  wroteCliConfig: string | null;
  /** A token for the browser link (the admin's, or the saved CLI token for this same server). */
  browserToken?: string;
  /** Where Claude Code takes its credentials from, or null when it has none (and sessions would fail). */
  claudeAuth: string | null;
  /** Whether a local agent runs (with --no-agent nothing here launches Claude Code). */
  agent: boolean;
  scratchDir: string;
}

/** The directory a first session may write to: under the state dir, made on demand. */
export function scratchDir(stateDir: string): string {
  const dir = join(stateDir, "scratch");
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function firstRunLines(f: FirstRun): string[] {
  const lines = ["", `Tower is running at ${f.url}`];
  if (f.adminToken) {
    lines.push(`Admin token (shown once, stored only as a hash): ${f.adminToken}`);
    lines.push(f.wroteCliConfig ? `Saved for the tower CLI in ${f.wroteCliConfig}.` : `Use it with: export TOWER_TOKEN=${f.adminToken}`);
  }
  // The token stays in the fragment (never sent in a request line or logged); the page trades it for a cookie.
  lines.push(
    f.browserToken
      ? `Open the web app (signs this browser in): ${f.url}/signin#token=${f.browserToken}`
      : `Open ${f.url}/signin and paste a token: \`npm run tower -- tokens create my-browser\` prints one with its sign-in link.`,
  );
  if (f.agent && !f.claudeAuth) {
    lines.push(
      "",
      'warning: Claude Code has no credentials on this machine, so every session would fail with "Not logged in".',
      `  To fix: ${CLAUDE_AUTH_ADVICE}.`,
      "  For example: ANTHROPIC_API_KEY=sk-ant-… npm start",
    );
  } else if (f.agent) lines.push(`Claude Code signs in with ${f.claudeAuth}.`);
  lines.push(
    "",
    "Try a first session in a scratch directory (Claude asks before it writes; approve in the web app or with `tower approve`):",
    `  npm run tower -- launch "write hello.txt with the word hello" --cwd ${f.scratchDir} --wait`,
    "Ctrl-C stops Tower (a session waiting for approval is parked, its approval kept open; others end as interrupted).",
  );
  return lines;
}

/**
 * Web Push as pure rules: which push endpoints the Worker may POST to (an allow-list of browser push
 * services, so a subscription cannot aim the Worker at an internal address), who is told of a waiting
 * call (the one decision rule, `mayDecideApproval`, narrowed by each person's preferences and quiet
 * hours), and the short, scrubbed payload a notification shows. Used by routes/push.ts and push/notify.ts.
 */
import type { Approval } from "../protocol/approval";
import { namedDeciders } from "../protocol/approval";
import { MAX_PUSH_JSON_BYTES, type PushPayload, type PushPreferences, type QuietHours } from "../protocol/push";
import type { Actor, WorkspaceRole } from "./policy";
import { scrubText } from "./scrub";
import { mayDecideApproval, type SessionAccess } from "./visibility";

/** The browsers' push services (Chrome/Edge on FCM, Firefox, Windows, Safari). Exact hosts, or `*.` suffixes. */
export const PUSH_SERVICE_HOSTS = [
  "fcm.googleapis.com",
  "android.googleapis.com",
  "updates.push.services.mozilla.com",
  "*.notify.windows.com",
  "web.push.apple.com",
] as const;

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * May the Worker POST to this endpoint? An https URL on a known push service; a loopback one (any
 * scheme, http or https) only when `allowLoopback` (a dev/test var): never a private or arbitrary host.
 */
export function isAllowedPushEndpoint(endpoint: string, allowLoopback: boolean): boolean {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (LOOPBACK.has(url.hostname)) return allowLoopback && (url.protocol === "http:" || url.protocol === "https:");
  if (url.protocol !== "https:" || url.port) return false;
  const host = url.hostname.toLowerCase();
  return PUSH_SERVICE_HOSTS.some((h) => (h.startsWith("*.") ? host.endsWith(h.slice(1)) && host.length > h.length - 1 : host === h));
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(":").map(Number) as [number, number];
  return h * 60 + m;
}

/** Is `now` within the quiet hours, read on the clock of their time zone? start == end means never. */
export function inQuietHours(q: QuietHours | null, now: number): boolean {
  if (!q) return false;
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone: q.timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(now);
  const at = Number(parts.find((p) => p.type === "hour")?.value) * 60 + Number(parts.find((p) => p.type === "minute")?.value);
  const [start, end] = [minutesOf(q.start), minutesOf(q.end)];
  if (start === end) return false;
  return start < end ? at >= start && at < end : at >= start || at < end;
}

/** A member who has at least one subscribed device, as the decision rule needs them. */
export interface Subscriber {
  userId: string;
  role: WorkspaceRole;
  preferences: PushPreferences;
}

/** The actor a member is when they act from their own browser: their role, every scope a person holds. */
function actorOf(workspaceId: string, s: Subscriber): Actor {
  return { workspaceId, kind: "user", userId: s.userId, agentId: null, role: s.role, scopes: ["*"], subject: s.userId, tokenId: "", expiresAt: null };
}

/**
 * Who is told that `approval` waits: each subscriber who may decide it (the decision route's and the
 * room's rule, `mayDecideApproval`), whose preferences cover it and who is not in quiet hours. A close
 * message goes to the same people without the quiet hours (it only removes a notification).
 */
export function pushRecipients(
  workspaceId: string,
  approval: Pick<Approval, "routing">,
  access: SessionAccess | null,
  subscribers: readonly Subscriber[],
  now: number,
  forClose = false,
): string[] {
  const named = new Set(namedDeciders(approval.routing));
  return subscribers
    .filter((s) => {
      if (!mayDecideApproval(actorOf(workspaceId, s), access, approval.routing)) return false;
      if (!forClose && inQuietHours(s.preferences.quiet, now)) return false;
      const mine = access?.ownerId === s.userId;
      if (s.preferences.scope === "mine") return mine;
      if (s.preferences.scope === "groups") return mine || named.has(s.userId);
      return true;
    })
    .map((s) => s.userId);
}

const MAX_SUMMARY = 600;
const DIFF_LINES = 6;

function str(v: unknown): string | null {
  return typeof v === "string" ? v : null;
}

/** A few lines of what the call does: the command, or the file and the first lines of its change. */
export function inputSummary(tool: string, input: Record<string, unknown>): string {
  const command = str(input.command);
  const file = str(input.file_path) ?? str(input.path) ?? str(input.notebook_path);
  const change = str(input.new_string) ?? str(input.content) ?? str(input.new_source);
  let text: string;
  if (command !== null) text = command;
  else if (file !== null)
    text = [
      file,
      ...(change ?? "")
        .split("\n")
        .slice(0, DIFF_LINES)
        .map((l) => `+ ${l}`),
    ].join("\n");
  else text = `${tool} ${JSON.stringify(input)}`;
  const scrubbed = scrubText(text);
  return scrubbed.length > MAX_SUMMARY ? `${scrubbed.slice(0, MAX_SUMMARY - 1)}…` : scrubbed;
}

/** The JSON a push carries, cut (summary first, then the title) until it fits the push services' limit. */
export function encodePushPayload(p: PushPayload): string {
  let json = JSON.stringify(p);
  if (p.type !== "approval") return json;
  let cut = p;
  const bytes = (s: string) => new TextEncoder().encode(s).byteLength;
  while (bytes(json) > MAX_PUSH_JSON_BYTES && (cut.summary.length > 40 || cut.sessionTitle.length > 40)) {
    cut =
      cut.summary.length > 40
        ? { ...cut, summary: `${cut.summary.slice(0, Math.floor(cut.summary.length / 2))}…` }
        : { ...cut, sessionTitle: `${cut.sessionTitle.slice(0, 40)}…` };
    json = JSON.stringify(cut);
  }
  return json;
}

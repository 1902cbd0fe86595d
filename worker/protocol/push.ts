/**
 * Web Push on the wire: a browser's subscription as the web sends it, a member's preferences (which
 * approvals, quiet hours), and the payload the service worker decrypts. Shared by the Worker's routes,
 * the sender and web/public/sw.js's tests, so what is pushed is what the notification reads.
 */
import { z } from "zod";
import { ApprovalId, SessionId } from "./ids";

const Base64Url = z.string().regex(/^[A-Za-z0-9_-]+={0,2}$/, "must be base64url");
/** Base64url of exactly `bytes` bytes (padding optional). */
const b64Bytes = (bytes: number) => Base64Url.refine((s) => Math.floor((s.replace(/=+$/, "").length * 3) / 4) === bytes, `must encode ${bytes} bytes`);

/** What `PushSubscription.toJSON()` gives, plus a label for the device (shown in settings). */
export const PushSubscribeBody = z.object({
  endpoint: z.url({ protocol: /^https?$/ }).max(2000),
  keys: z.object({ p256dh: b64Bytes(65), auth: b64Bytes(16) }),
  device: z.string().trim().min(1).max(100).default("browser"),
});
export type PushSubscribeBody = z.infer<typeof PushSubscribeBody>;

export const PushDevice = z.object({
  id: z.string(),
  device: z.string(),
  /** The push service's host (never the whole endpoint: it is a capability to push to that browser). */
  service: z.string(),
  createdAt: z.number().int(),
});
export type PushDevice = z.infer<typeof PushDevice>;

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be HH:MM (24-hour)");
const TimeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, "must be an IANA time zone such as Europe/Berlin");

/** No pushes from `start` to `end` (wrapping past midnight when end < start), in `timeZone`. */
export const QuietHours = z.object({ start: HHMM, end: HHMM, timeZone: TimeZone });
export type QuietHours = z.infer<typeof QuietHours>;

/** mine: calls in my sessions · groups: those and calls a rule routes to me · all: every call I may decide. */
export const PushScope = z.enum(["mine", "groups", "all"]);
export type PushScope = z.infer<typeof PushScope>;

export const PushPreferences = z.object({ scope: PushScope, quiet: QuietHours.nullable() });
export type PushPreferences = z.infer<typeof PushPreferences>;
export const DEFAULT_PUSH_PREFERENCES: PushPreferences = { scope: "all", quiet: null };

export const PushDevices = z.object({
  devices: z.array(PushDevice),
  preferences: PushPreferences,
  /** Set when the stored quiet hours no longer read: why (they count as none until set again). */
  quietUnreadable: z.string().optional(),
});
export const PushKey = z.object({ publicKey: z.string().nullable() });

/** A waiting call, shown with Approve and Deny; `tag` on the device is the approval id. */
export const PushApproval = z.object({
  type: z.literal("approval"),
  approvalId: ApprovalId,
  sessionId: SessionId,
  inputSha256: z.string(),
  tool: z.string(),
  summary: z.string(),
  sessionTitle: z.string(),
  machine: z.string(),
  expiresAt: z.number().int(),
});
/** The call was decided (or expired, or cancelled): every device drops its notification. */
export const PushClose = z.object({ type: z.literal("close"), approvalId: ApprovalId, status: z.string() });
export const PushPayload = z.discriminatedUnion("type", [PushApproval, PushClose]);
export type PushPayload = z.infer<typeof PushPayload>;

/** Push services cap a message near 4 KB; the encrypted record adds padding and a tag, so the JSON stays well under. */
export const MAX_PUSH_JSON_BYTES = 3000;

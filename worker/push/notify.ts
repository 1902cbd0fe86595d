/**
 * Pushes approvals to the devices of the people who may decide them. The workspace hub hands it every
 * approval mirror it publishes (after the room's D1 write, never on the decision's path): a waiting
 * call is shown (tag = approval id) to each subscriber `pushRecipients` names; a decided, expired or
 * cancelled one is closed on the devices it was shown on. Endpoints the push service calls gone (404/410) are deleted.
 */
import { makeDb } from "../db/client";
import { sessionAccess } from "../db/grants";
import { deletePushSubscriptions, workspaceSubscribers } from "../db/push";
import { getSession } from "../db/sessions";
import { encodePushPayload, inputSummary, pushRecipients } from "../domain/push";
import type { Approval } from "../protocol/approval";
import type { PushPayload } from "../protocol/push";
import { pushConfig, sendPush } from "./send";

/** Approvals remembered as shown, per workspace hub (memory only: after a restart a close goes to every decider). */
const SHOWN_MAX = 2000;

export class PushNotifier {
  /** Who was shown each waiting call, so a repeat mirror (routed, escalated, parked) reaches only people new to it. */
  readonly #shown = new Map<string, Set<string>>();
  /** A read found no subscription row in the workspace (memory only: a new hub reads again once). */
  #noneStored = false;
  /** Bumped by each `subscribed`, so a read that raced a new subscription never sets `#noneStored`. */
  #generation = 0;

  constructor(
    private readonly env: Env,
    private readonly workspaceId: string,
  ) {}

  async approvalsChanged(approvals: readonly Approval[]): Promise<void> {
    const cfg = pushConfig(this.env);
    if (!cfg.vapid || approvals.length === 0) return;
    if (this.#noneStored) return;
    const db = makeDb(this.env.DB);
    const generation = this.#generation;
    const { stored, subscribers: subs } = await workspaceSubscribers(db, this.workspaceId);
    if (!stored && generation === this.#generation) this.#noneStored = true;
    if (subs.length === 0) return;
    const people = [...new Map(subs.map((s) => [s.subscription.userId, { userId: s.subscription.userId, role: s.role, preferences: s.preferences }])).values()];
    const access = await sessionAccess(db, this.workspaceId, [...new Set(approvals.map((a) => a.sessionId))]);
    const now = Date.now();
    const gone: string[] = [];
    for (const a of approvals) {
      const to = new Set(pushRecipients(this.workspaceId, a, access.get(a.sessionId) ?? null, people, now, a.status !== "pending"));
      const payload = a.status === "pending" ? await this.#shownPayload(db, a) : ({ type: "close", approvalId: a.id, status: a.status } as PushPayload);
      if (!payload) continue;
      const shown = this.#shown.get(a.id);
      const targets = a.status === "pending" ? [...to].filter((u) => !shown?.has(u)) : [...(shown ?? to)];
      if (a.status === "pending") this.#remember(a.id, targets);
      else this.#shown.delete(a.id);
      if (targets.length === 0) continue;
      const json = encodePushPayload(payload);
      const sends = subs.filter((s) => targets.includes(s.subscription.userId));
      const results = await Promise.allSettled(
        sends.map((s) => sendPush(cfg, s.subscription, json, { topic: a.id, ttl: Math.max(60, Math.floor((a.expiresAt - now) / 1000)) })),
      );
      results.forEach((r, i) => {
        if (r.status === "fulfilled" && (r.value === 404 || r.value === 410)) gone.push(sends[i]!.subscription.id);
        else if (r.status === "rejected") console.error(`push to ${new URL(sends[i]!.subscription.endpoint).host} failed`, r.reason);
        else if (r.value >= 300) console.error(`push to ${new URL(sends[i]!.subscription.endpoint).host} answered ${r.value}`);
      });
    }
    await deletePushSubscriptions(db, gone);
  }

  /**
   * A device was subscribed in this workspace (routes/push.ts, after its D1 write): the next approval
   * reads the subscriptions again. Removals need no call: they can only leave fewer devices to push to.
   */
  subscribed(): void {
    this.#noneStored = false;
    this.#generation++;
  }

  #remember(approvalId: string, userIds: string[]): void {
    if (this.#shown.size > SHOWN_MAX) this.#shown.clear();
    const set = this.#shown.get(approvalId) ?? new Set<string>();
    for (const u of userIds) set.add(u);
    this.#shown.set(approvalId, set);
  }

  async #shownPayload(db: ReturnType<typeof makeDb>, a: Approval): Promise<PushPayload | null> {
    const session = await getSession(db, this.workspaceId, a.sessionId);
    return {
      type: "approval",
      approvalId: a.id,
      sessionId: a.sessionId,
      inputSha256: a.inputSha256,
      tool: a.toolName,
      summary: inputSummary(a.toolName, a.input),
      sessionTitle: a.sessionTitle ?? session?.title ?? "",
      machine: session?.agentName ?? "",
      expiresAt: a.expiresAt,
    };
  }
}

/**
 * Where a SessionRoom's outbox (room-outbox.ts, which decides when, and retries) delivers: D1 (the summary,
 * approvals and audit entries in one batch), the machine's AgentLink (launches and cancellations), a
 * pipeline run's Workflow (its step's session ended) and the workspace hub (list and inbox frames, then the
 * audit sealer). Each takes the rows queued for it and says which it delivered.
 */
import { getServerByName } from "partyserver";
import { z } from "zod";
import { LaunchOrder } from "../worker/protocol/agent";
import { Approval } from "../worker/protocol/approval";
import { HubFrame } from "../worker/protocol/frames";
import type { SessionSummary } from "../worker/protocol/session";
import type { makeDb } from "../worker/db/client";
import { approvalUpsert, auditInsertOnce, summaryUpsert } from "../worker/db/mirror";
import { instanceOf } from "../worker/db/pipelines";
import { STEP_UPDATE_EVENT } from "../worker/protocol/pipelines";
import { deliverable, type OutboxRow } from "./core/outbox";
import * as store from "./storage";
import type { AgentLink } from "./agent-link";
import type { WorkspaceHub } from "./workspace-hub";

const LinkOp = z.discriminatedUnion("type", [
  z.object({ type: z.literal("launch"), order: LaunchOrder }),
  z.object({ type: z.literal("cancel"), runId: z.string() }),
]);
const QueuedAudit = z.object({
  workspaceId: z.string(),
  at: z.number(),
  actor: z.string(),
  actorKind: z.enum(["user", "agent", "system"]),
  via: z.string(),
  action: z.string(),
  target: z.string(),
  details: z.record(z.string(), z.unknown()),
});

/** The hub frames that follow D1 rows once D1 has them, and those rows (delivered once the hub has them too). */
export type HubFollow = { rows: OutboxRow[]; frames: HubFrame[]; seal: boolean };
export const NOTHING_FOLLOWS: HubFollow = { rows: [], frames: [], seal: false };

/** What the targets need of the outbox's rows. */
export interface QueuedRows {
  /** A row's body (see RoomOutbox's #parsed); a corrupt one yields nothing. */
  parsed<T>(schema: z.ZodType<T>, row: OutboxRow): T[];
  /** The row left: the next change's transaction deletes it. */
  delivered(id: number): void;
}

export class OutboxTargets {
  #link: Pick<AgentLink, "enqueue" | "cancel"> | null = null;
  #hub: Pick<WorkspaceHub, "publish" | "sealAuditSoon"> | null = null;

  constructor(
    private readonly env: Env,
    private readonly sql: SqlStorage,
    private readonly rows: QueuedRows,
  ) {}

  /** After a failed delivery: the Durable Object handles are not reused; the next attempt dials again. */
  redial(): void {
    this.#link = null;
    this.#hub = null;
  }

  /**
   * One D1 batch (one transaction): the summary first, since approvals reference the session row.
   * Returns the hub frames that follow; the D1 rows stay queued until the hub has them too (a retry
   * writes D1 again, an upsert), so no room write sits between the two.
   */
  async d1(summary: SessionSummary, rows: OutboxRow[]): Promise<HubFollow> {
    const approvals = rows.flatMap((r) => (r.key.startsWith("approval:") ? this.rows.parsed(Approval, r) : []));
    const audit = rows.flatMap((r) =>
      r.key.startsWith("audit:") ? this.rows.parsed(QueuedAudit, r).map((entry) => ({ source: `${summary.id}#${r.key.slice(6)}`, entry })) : [],
    );
    const d1 = this.env.DB;
    await d1.batch([
      summaryUpsert(d1, summary),
      ...approvals.map((a) => approvalUpsert(d1, summary.workspaceId, a)),
      ...audit.flatMap(({ source, entry }) => auditInsertOnce(d1, source, entry)),
    ]);
    const label = { pipelineRunId: summary.pipelineRunId ?? null, pipelineStepId: summary.pipelineStepId ?? null, sessionTitle: summary.title };
    const frames: HubFrame[] = [];
    if (rows.some((r) => r.key === "summary")) frames.push({ type: "session-upsert", session: summary });
    for (const a of approvals) frames.push({ type: "approval-upsert", approval: { ...a, ...label } });
    return { rows, frames, seal: audit.length > 0 };
  }

  /** Launches and cancellations, one at a time in order; the link takes each idempotently by run id. */
  async link(summary: SessionSummary, rows: OutboxRow[]): Promise<void> {
    const queued = deliverable(rows, "link");
    if (!queued.length) return;
    const link = (this.#link ??= (await getServerByName(this.env.AgentLink, summary.agentId)) as unknown as Pick<AgentLink, "enqueue" | "cancel">);
    for (const r of queued) {
      for (const op of this.rows.parsed(LinkOp, r)) {
        if (op.type === "launch") await link.enqueue(summary.workspaceId, op.order);
        else await link.cancel(op.runId);
      }
      store.dropOutbox(this.sql, [r.id]);
    }
  }

  /** A session of a pipeline step has ended: wake its run's Workflow instance (it reads the end from D1). */
  async pipelineEnd(db: ReturnType<typeof makeDb>, summary: SessionSummary, rows: OutboxRow[]): Promise<void> {
    const [row] = deliverable(rows, "pipeline");
    if (!row) return;
    // instanceOf names the instance only while the run is running: an ended run has nobody left to tell.
    const instanceId = summary.pipelineRunId ? await instanceOf(db, summary.pipelineRunId) : null;
    // A failed send throws: the row stays queued and the outbox retries it (the run's wait may have no timer to fall back on).
    if (instanceId)
      await (await this.env.PIPELINE.get(instanceId)).sendEvent({ type: STEP_UPDATE_EVENT, payload: { sessionId: summary.id, status: summary.status } });
    store.dropOutbox(this.sql, [row.id]);
  }

  /**
   * List and inbox frames (upserts, so a repeat is harmless), then the audit sealer's next round: those
   * that follow the D1 rows just delivered, and hub rows an earlier version of the room left queued.
   */
  async hub(summary: SessionSummary, rows: OutboxRow[], follow: HubFollow): Promise<void> {
    const queued = deliverable(rows, "hub");
    if (!queued.length && !follow.rows.length) return;
    const frames = [...follow.frames, ...queued.flatMap((r) => (r.key === "seal" ? [] : this.rows.parsed(HubFrame, r)))];
    // Cached: getServerByName costs an extra round trip to start the hub on every call.
    const hub = (this.#hub ??= (await getServerByName(this.env.WorkspaceHub, summary.workspaceId)) as unknown as Pick<
      WorkspaceHub,
      "publish" | "sealAuditSoon"
    >);
    if (frames.length) await hub.publish(frames);
    if (follow.seal || queued.some((r) => r.key === "seal")) await hub.sealAuditSoon();
    for (const r of [...follow.rows, ...queued]) this.rows.delivered(r.id);
  }
}

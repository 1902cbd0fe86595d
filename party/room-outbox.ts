/**
 * Everything a SessionRoom tells the outside world after a change: the summary row and approval
 * mirror in D1, launches and cancellations for the machine's AgentLink, and list/inbox deltas for
 * the workspace hub, and a search indexing job for the events stored since the last one. One ordered
 * write-behind, so D1 has the row before an agent is told to start; indexing never runs on this path.
 */
import { getServerByName } from "partyserver";
import type { LaunchOrder } from "../worker/protocol/agent";
import type { Approval } from "../worker/protocol/approval";
import type { HubFrame } from "../worker/protocol/frames";
import { isEnded, type SessionSummary } from "../worker/protocol/session";
import { makeDb } from "../worker/db/client";
import { upsertApproval } from "../worker/db/approvals";
import { auditInsertQuery, type NewAuditEntry } from "../worker/db/audit";
import type { EventBody } from "../worker/protocol/events";
import type { IndexJob } from "../worker/protocol/search";
import { upsertSessionSummary } from "../worker/db/sessions";
import { instanceOf } from "../worker/db/pipelines";
import { STEP_UPDATE_EVENT } from "../worker/protocol/pipelines";
import type { AgentLink } from "./agent-link";
import type { WorkspaceHub } from "./workspace-hub";
import { WriteBehind } from "./write-behind";

/** Lists and the inbox may trail the live session socket by this much; see WriteBehind. */
const OUTBOX_DELAY_MS = 25;

/** Where the room keeps the last seq it handed to the indexer (DO SQLite), so restarts resume from there. */
export interface IndexCursor {
  load(): number;
  save(seq: number): void;
}

type LinkOp = { type: "launch"; order: LaunchOrder } | { type: "cancel"; runId: string };

export class RoomOutbox {
  #approvals = new Map<string, Approval>();
  #audit: NewAuditEntry[] = [];
  #linkOps: LinkOp[] = [];
  #written = "";
  /** The end (status at time) already reported to the session's pipeline run, if it has one. */
  #reportedEnd = "";
  #link: Pick<AgentLink, "enqueue" | "cancel"> | null = null;
  #hub: Pick<WorkspaceHub, "publish" | "sealAudit"> | null = null;
  #writer = new WriteBehind<null>(
    () => this.#flush(),
    (e) => console.error("session room outbox", e),
    OUTBOX_DELAY_MS,
  );

  #indexedUpTo: number;
  #indexedTitle: string | null = null;
  #indexing: Promise<void> | null = null;

  constructor(
    private readonly env: Env,
    private readonly summaryOf: () => SessionSummary | null,
    private readonly indexCursor: IndexCursor,
  ) {
    this.#indexedUpTo = indexCursor.load();
  }

  summaryChanged(): void {
    const s = this.summaryOf();
    if (!s || JSON.stringify(s) === this.#written) return;
    this.#writer.push(null);
    // The end of a pipeline step's session is what its run waits on: no coalescing delay for it.
    if (s.pipelineRunId && isEnded(s.status)) void this.#writer.settled();
  }

  approval(a: Approval): void {
    this.#approvals.set(a.id, a);
    this.#writer.push(null);
  }

  launch(order: LaunchOrder): void {
    this.#linkOps.push({ type: "launch", order });
    this.#writer.push(null);
  }

  cancelLaunch(runId: string): void {
    this.#linkOps.push({ type: "cancel", runId });
    this.#writer.push(null);
  }

  /** Records the events that belong in the workspace's audit log (decisions, interrupts, handoffs). */
  auditEvent(body: EventBody): void {
    const summary = this.summaryOf();
    if (!summary) return;
    const entry = auditEntryFor(summary.workspaceId, summary.id, body);
    if (!entry) return;
    this.#audit.push(entry);
    this.#writer.push(null);
  }

  /**
   * A session of a pipeline step has ended: wake its run's Workflow instance. After the summary row
   * is written, so the instance reads the end from D1; once per end (a continue and a new end report again).
   */
  async #reportEnd(db: ReturnType<typeof makeDb>, summary: SessionSummary): Promise<void> {
    if (!summary.pipelineRunId || !isEnded(summary.status)) return;
    const key = `${summary.status}@${summary.endedAt ?? summary.updatedAt}`;
    if (key === this.#reportedEnd) return;
    const instanceId = await instanceOf(db, summary.pipelineRunId);
    if (instanceId) {
      try {
        await (await this.env.PIPELINE.get(instanceId)).sendEvent({ type: STEP_UPDATE_EVENT, payload: { sessionId: summary.id, status: summary.status } });
      } catch (e) {
        // An instance that already finished (cancelled, terminated) has nobody left to tell.
        console.warn(`pipeline ${summary.pipelineRunId}: step-update for ${summary.id} not delivered`, e);
      }
    }
    this.#reportedEnd = key;
  }

  settled(): Promise<void> {
    return this.#writer.settled();
  }

  /**
   * One queue message per flush for the events stored since the last (and for a new title). Not
   * awaited by the flush, so no reply (a decision, a launch) waits on the queue; one send at a
   * time, and when it lands anything stored meanwhile goes in the next. A failed send leaves the
   * cursor where it was, so the next change covers those events too.
   */
  #enqueueIndexing(): void {
    const s = this.summaryOf();
    if (this.#indexing || !s || (s.lastSeq <= this.#indexedUpTo && s.title === this.#indexedTitle)) return;
    const job: IndexJob = { workspaceId: s.workspaceId, sessionId: s.id, after: Math.min(this.#indexedUpTo, s.lastSeq), upTo: s.lastSeq };
    this.#indexing = this.env.SEARCH_QUEUE.send(job).then(
      () => {
        this.#indexedUpTo = s.lastSeq;
        this.#indexedTitle = s.title;
        this.indexCursor.save(s.lastSeq);
        this.#indexing = null;
        this.#enqueueIndexing();
      },
      (e: unknown) => {
        this.#indexing = null;
        console.error("session room: enqueueing search indexing failed; the next change retries", e);
      },
    );
  }

  async #flush(): Promise<void> {
    const summary = this.summaryOf();
    if (!summary) return;
    const json = JSON.stringify(summary);
    const approvals = [...this.#approvals.values()];
    const ops = this.#linkOps.splice(0);
    this.#approvals.clear();
    const db = makeDb(this.env.DB);
    const frames: HubFrame[] = [];
    try {
      if (json !== this.#written || approvals.length) {
        // One D1 batch (one transaction); the summary first, since approvals reference the session row.
        await db.batch([upsertSessionSummary(db, summary), ...approvals.map((a) => upsertApproval(db, summary.workspaceId, a))]);
        if (json !== this.#written) frames.push({ type: "session-upsert", session: summary });
        this.#written = json;
        const label = { pipelineRunId: summary.pipelineRunId ?? null, pipelineStepId: summary.pipelineStepId ?? null };
        for (const a of approvals) frames.push({ type: "approval-upsert", approval: { ...a, ...label } });
      }
    } catch (e) {
      for (const a of approvals) if (!this.#approvals.has(a.id)) this.#approvals.set(a.id, a);
      this.#linkOps.unshift(...ops);
      throw e;
    }
    this.#enqueueIndexing();
    const entries = this.#audit.splice(0);
    const audited = entries.length > 0;
    if (audited) {
      try {
        await db.batch(entries.map((e) => auditInsertQuery(db, e)) as [ReturnType<typeof auditInsertQuery>]);
      } catch (e) {
        this.#audit.unshift(...entries);
        throw e;
      }
    }
    if (ops.length) {
      const link = (this.#link ??= (await getServerByName(this.env.AgentLink, summary.agentId)) as unknown as Pick<AgentLink, "enqueue" | "cancel">);
      for (const op of ops) {
        if (op.type === "launch") await link.enqueue(summary.workspaceId, op.order);
        else await link.cancel(op.runId);
      }
    }
    await this.#reportEnd(db, summary);
    if (frames.length || audited) {
      // Cached: getServerByName costs an extra round trip to start the hub on every call.
      const hub = (this.#hub ??= (await getServerByName(this.env.WorkspaceHub, summary.workspaceId)) as unknown as Pick<WorkspaceHub, "publish" | "sealAudit">);
      if (frames.length) await hub.publish(frames);
      if (audited) await hub.sealAudit();
    }
  }
}


/** The audit entry for a room event, if it is one the log keeps. */
export function auditEntryFor(workspaceId: string, sessionId: string, body: EventBody): NewAuditEntry | null {
  switch (body.type) {
    case "approval-resolved":
      return {
        workspaceId,
        actor: body.by ?? "tower",
        actorKind: body.via === "human" ? "user" : "system",
        via: body.via,
        action: `approval.${body.status}`,
        target: body.approvalId,
        details: { session: sessionId, ...(body.comment ? { comment: body.comment } : {}), ...(body.updatedInput ? { editedInput: true } : {}) },
      };
    case "interrupt-requested":
      return { workspaceId, actor: body.by, actorKind: "user", via: "human", action: "session.interrupt", target: sessionId, details: {} };
    default:
      return null;
  }
}

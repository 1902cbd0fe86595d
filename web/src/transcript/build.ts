/**
 * Turns a session's event log into the conversation the session view renders: prompts, assistant
 * text, each tool call paired with its result, sub-agent work nested under the call that started
 * it, approvals and status changes. Incremental (events arrive one by one while a session streams)
 * and pure, so it is tested in Node; changed items are replaced, never mutated, for React.
 */
import { approvalWaitText, durationText, type Approval } from "../../../worker/protocol/approval";
import type { SessionEvent } from "../../../worker/protocol/events";
import type { SessionStatus } from "../../../worker/protocol/session";
import { contentBlocks, readResult, toolResultText, type ResultOutcome } from "../../../worker/protocol/sdk-message";
import { money, plural } from "./figures";

export interface ToolResult {
  text: string;
  isError: boolean;
}

export type Item =
  | { kind: "prompt"; key: string; seq: number; text: string; by: string }
  | { kind: "text"; key: string; seq: number; text: string /** still being written (not yet stored) */; live?: true }
  | { kind: "thinking"; key: string; seq: number; text: string }
  | {
      kind: "tool";
      key: string;
      seq: number;
      id: string;
      name: string;
      input: Record<string, unknown>;
      result: ToolResult | null;
      children: Item[];
      /** The approval this call waited on (or waits on), if it needed one. */
      approval: Approval | null;
    }
  | { kind: "approval"; key: string; seq: number; approval: Approval }
  | { kind: "status"; key: string; seq: number; from: SessionStatus | null; to: SessionStatus; reason: string }
  | { kind: "note"; key: string; seq: number; text: string }
  | {
      kind: "result";
      key: string;
      seq: number;
      ok: boolean;
      outcome: ResultOutcome;
      /** Who interrupted the run, when it was interrupted. */
      by: string | null;
      text: string;
      /** The session's cost so far: Claude's cumulative figure less what a fork inherited (as the header). */
      costUsd: number | null;
      turns: number | null;
    };

type ToolItem = Extract<Item, { kind: "tool" }>;

/** What a tool call's header says about where it is: waiting on a person, running, not run, failed. */
export function toolStatus(t: ToolItem, now: number): { state: "waiting" | "running" | "denied" | "error" | "done"; text: string } {
  const a = t.approval;
  if (t.result === null) return a?.status === "pending" ? { state: "waiting", text: approvalWaitText(a, now) } : { state: "running", text: "running…" };
  if (a?.status === "denied") return { state: "denied", text: `denied by ${a.decidedBy ?? a.via ?? "a rule"}: not run` };
  if (a?.status === "expired") return { state: "denied", text: "not run: nobody decided before the approval expired" };
  if (a?.status === "cancelled") return { state: "denied", text: `not run: ${a.comment ?? "cancelled"}` };
  return t.result.isError ? { state: "error", text: "error" } : { state: "done", text: "" };
}

/** The result row's heading: how the run ended, its turns and the session's cost so far. */
export function resultHeading(r: Extract<Item, { kind: "result" }>): string {
  const head = { success: "Result", interrupted: r.by ? `Interrupted by ${r.by}` : "Interrupted", max_turns: "Stopped at the turn limit", error: "Failed" }[
    r.outcome
  ];
  const turns = r.turns !== null ? ` · ${plural(r.turns, "turn")}` : "";
  const cost = r.costUsd !== null ? ` · session cost so far ${money(r.costUsd)}` : "";
  return `${head}${turns}${cost}`;
}

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Tool result content is a string or a list of blocks; show the text parts. */
/** Re-exported: the one reading of a tool result shared with the CLI and the search index. */
export { toolResultText as resultText };

/** A dead letter's line: what was lost from the session, and why (the agent or Tower dropped it). */
export function droppedText(e: { eventType: string; size: number; reason: string }): string {
  return `Dropped a ${e.eventType} event (${e.size.toLocaleString("en")} bytes): ${e.reason}`;
}

export class Transcript {
  private list: Item[] = [];
  /** Where each tool call lives: top level (index) or inside a parent tool call. */
  private toolAt = new Map<string, { parent: string | null; index: number }>();
  private approvalAt = new Map<string, number>();
  /** Approvals by the tool call they are for (one may arrive before its call). */
  private approvalOfTool = new Map<string, Approval>();
  /** Who asked to interrupt the current run (a follow-up prompt starts a new run). */
  private interruptedBy: string | null = null;
  private inheritedCostUsd = 0;
  private lastSeq = 0;

  get items(): readonly Item[] {
    return this.list;
  }

  get seq(): number {
    return this.lastSeq;
  }

  /** Adds events in order; events already seen (by seq) are ignored. Returns true if anything changed. */
  push(events: readonly SessionEvent[]): boolean {
    let changed = false;
    for (const e of events) {
      if (e.seq <= this.lastSeq) continue;
      this.lastSeq = e.seq;
      if (this.add(e)) changed = true;
    }
    if (changed) this.list = [...this.list];
    return changed;
  }

  /** The approval card's latest state (the inbox and the session socket both update it). */
  updateApproval(a: Approval): boolean {
    const i = this.approvalAt.get(a.id);
    if (i === undefined) return false;
    const item = this.list[i];
    if (item?.kind !== "approval") return false;
    this.list = [...this.list];
    this.list[i] = { ...item, approval: a };
    this.setToolApproval(a);
    return true;
  }

  /** Keeps a tool call's view of its approval current. */
  private setToolApproval(a: Approval): void {
    if (!a.toolUseId) return;
    this.approvalOfTool.set(a.toolUseId, a);
    this.updateTool(a.toolUseId, (t) => ({ ...t, approval: a }));
  }

  private add(e: SessionEvent): boolean {
    const key = `e${e.seq}`;
    switch (e.type) {
      case "session-created":
        this.inheritedCostUsd = e.inheritedCostUsd ?? 0;
        return this.append({ kind: "prompt", key, seq: e.seq, text: e.spec.prompt, by: "" });
      case "user-prompt":
        this.interruptedBy = null;
        return this.append({ kind: "prompt", key, seq: e.seq, text: e.prompt, by: e.by });
      case "status-changed":
        return this.append({ kind: "status", key, seq: e.seq, from: e.from, to: e.to, reason: e.reason });
      case "interrupt-requested":
        this.interruptedBy = e.by;
        return this.append({ kind: "note", key, seq: e.seq, text: `Interrupt requested by ${e.by}` });
      case "owner-changed":
        return this.append({ kind: "note", key, seq: e.seq, text: `Handed off from ${e.from || "nobody"} to ${e.to} by ${e.by}` });
      case "approval-requested": {
        this.approvalAt.set(e.approval.id, this.list.length);
        this.setToolApproval(e.approval);
        return this.append({ kind: "approval", key, seq: e.seq, approval: e.approval });
      }
      case "approval-resolved": {
        const i = this.approvalAt.get(e.approvalId);
        const item = i === undefined ? undefined : this.list[i];
        if (i === undefined || item?.kind !== "approval") return false;
        const approval: Approval = {
          ...item.approval,
          status: e.status,
          via: e.via,
          decidedBy: e.by,
          comment: e.comment,
          updatedInput: e.updatedInput,
          decidedAt: e.at,
        };
        this.list[i] = { ...item, approval };
        this.setToolApproval(approval);
        return true;
      }
      case "approval-routed":
      case "approval-partial": {
        // Who may decide (and the approvals toward a quorum so far) show on the waiting card.
        const i = this.approvalAt.get(e.approvalId);
        const item = i === undefined ? undefined : this.list[i];
        if (i === undefined || item?.kind !== "approval") return false;
        const r = e.type === "approval-routed" ? e.routing : item.approval.routing;
        if (!r) return false;
        const routing = e.type === "approval-routed" ? r : { ...r, approvals: [...r.approvals, { userId: "", by: e.by, at: e.at }] };
        const approval: Approval = { ...item.approval, routing };
        this.list[i] = { ...item, approval };
        this.setToolApproval(approval);
        return true;
      }
      case "approval-escalated": {
        // The card learns who may decide now; the transcript says when and why it escalated.
        const i = this.approvalAt.get(e.approvalId);
        const item = i === undefined ? undefined : this.list[i];
        const r = item?.kind === "approval" ? item.approval.routing : null;
        if (i !== undefined && item?.kind === "approval" && r?.escalation) {
          const approval: Approval = { ...item.approval, routing: { ...r, escalation: { ...r.escalation, escalatedAt: e.at } } };
          this.list[i] = { ...item, approval };
          this.setToolApproval(approval);
        }
        return this.append({ kind: "note", key, seq: e.seq, text: `Escalated to ${e.label} after ${durationText(e.afterMs)} without a decision (${e.rule})` });
      }
      case "event-dropped":
        return this.append({ kind: "note", key, seq: e.seq, text: droppedText(e) });
      case "approval-held":
        return this.append({ kind: "note", key, seq: e.seq, text: `Waiting for a person: ${e.reason}` });
      case "run-ended":
        return false; // the `result` message and the status change already say it
      case "sdk-message":
        return this.addMessage(e.seq, e.message);
    }
  }

  private addMessage(seq: number, m: Json): boolean {
    const parent = typeof m.parent_tool_use_id === "string" ? m.parent_tool_use_id : null;
    const blocks = contentBlocks(m);
    let changed = false;
    if (m.type === "assistant") {
      blocks.forEach((b, n) => {
        const key = `e${seq}.${n}`;
        if (b.type === "text" && typeof b.text === "string" && b.text.trim()) {
          changed = this.place(parent, { kind: "text", key, seq, text: b.text }) || changed;
        } else if (b.type === "thinking" && typeof b.thinking === "string" && b.thinking.trim()) {
          changed = this.place(parent, { kind: "thinking", key, seq, text: b.thinking }) || changed;
        } else if (b.type === "tool_use" && typeof b.id === "string") {
          const tool: Item = {
            kind: "tool",
            key,
            seq,
            id: b.id,
            name: String(b.name ?? "tool"),
            input: isObj(b.input) ? b.input : {},
            result: null,
            children: [],
            approval: this.approvalOfTool.get(b.id) ?? null,
          };
          changed = this.place(parent, tool) || changed;
        }
      });
    } else if (m.type === "user") {
      for (const b of blocks) {
        if (b.type === "tool_result" && typeof b.tool_use_id === "string") {
          changed = this.resolveTool(b.tool_use_id, { text: toolResultText(b.content), isError: b.is_error === true }) || changed;
        }
      }
    } else if (m.type === "result" && parent === null) {
      const read = readResult(m);
      // Whatever the SDK calls it, a run that ends in error after someone asked to stop it was interrupted.
      const outcome = this.interruptedBy && read.outcome !== "success" ? "interrupted" : read.outcome;
      changed = this.append({
        kind: "result",
        key: `e${seq}`,
        seq,
        ok: outcome === "success",
        outcome,
        by: outcome === "interrupted" ? this.interruptedBy : null,
        text: read.text,
        costUsd: typeof m.total_cost_usd === "number" ? Math.max(0, m.total_cost_usd - this.inheritedCostUsd) : null,
        turns: typeof m.num_turns === "number" ? m.num_turns : null,
      });
    }
    return changed;
  }

  private append(item: Item): boolean {
    this.list.push(item);
    return true;
  }

  /** Puts an item at top level, or inside the sub-agent call it belongs to. */
  private place(parent: string | null, item: Item): boolean {
    const at = parent ? this.toolAt.get(parent) : undefined;
    if (!parent || !at) {
      if (item.kind === "tool") this.toolAt.set(item.id, { parent: null, index: this.list.length });
      return this.append(item);
    }
    return this.updateTool(parent, (t) => {
      if (item.kind === "tool") this.toolAt.set(item.id, { parent, index: t.children.length });
      return { ...t, children: [...t.children, item] };
    });
  }

  private resolveTool(id: string, result: ToolResult): boolean {
    return this.updateTool(id, (t) => ({ ...t, result }));
  }

  /** Replaces one tool item (and every ancestor on its path) with an updated copy. */
  private updateTool(id: string, f: (t: Extract<Item, { kind: "tool" }>) => Item): boolean {
    const at = this.toolAt.get(id);
    if (!at) return false;
    if (at.parent === null) {
      const t = this.list[at.index];
      if (t?.kind !== "tool") return false;
      this.list[at.index] = f(t);
      return true;
    }
    return this.updateTool(at.parent, (p) => {
      const t = p.children[at.index];
      if (t?.kind !== "tool") return p;
      const children = [...p.children];
      children[at.index] = f(t);
      return { ...p, children };
    });
  }
}

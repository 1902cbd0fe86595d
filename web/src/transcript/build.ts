/**
 * Turns a session's event log into the conversation the session view renders: prompts, assistant
 * text, each tool call paired with its result, sub-agent work nested under the call that started
 * it, approvals and status changes. Incremental (events arrive one by one while a session streams)
 * and pure, so it is tested in Node; changed items are replaced, never mutated, for React.
 */
import type { Approval } from "../../../worker/protocol/approval";
import type { SessionEvent } from "../../../worker/protocol/events";
import type { SessionStatus } from "../../../worker/protocol/session";
import { contentBlocks, toolResultText } from "../../../worker/protocol/sdk-message";

export interface ToolResult {
  text: string;
  isError: boolean;
}

export type Item =
  | { kind: "prompt"; key: string; seq: number; text: string; by: string }
  | { kind: "text"; key: string; seq: number; text: string /** still being written (not yet stored) */; live?: true }
  | { kind: "thinking"; key: string; seq: number; text: string }
  | { kind: "tool"; key: string; seq: number; id: string; name: string; input: Record<string, unknown>; result: ToolResult | null; children: Item[] }
  | { kind: "approval"; key: string; seq: number; approval: Approval }
  | { kind: "status"; key: string; seq: number; from: SessionStatus | null; to: SessionStatus; reason: string }
  | { kind: "note"; key: string; seq: number; text: string }
  | { kind: "result"; key: string; seq: number; ok: boolean; text: string; costUsd: number | null; turns: number | null };

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
    return true;
  }

  private add(e: SessionEvent): boolean {
    const key = `e${e.seq}`;
    switch (e.type) {
      case "session-created":
        return this.append({ kind: "prompt", key, seq: e.seq, text: e.spec.prompt, by: "" });
      case "user-prompt":
        return this.append({ kind: "prompt", key, seq: e.seq, text: e.prompt, by: e.by });
      case "status-changed":
        return this.append({ kind: "status", key, seq: e.seq, from: e.from, to: e.to, reason: e.reason });
      case "interrupt-requested":
        return this.append({ kind: "note", key, seq: e.seq, text: `Interrupt requested by ${e.by}` });
      case "owner-changed":
        return this.append({ kind: "note", key, seq: e.seq, text: `Handed off from ${e.from || "nobody"} to ${e.to} by ${e.by}` });
      case "approval-requested": {
        this.approvalAt.set(e.approval.id, this.list.length);
        return this.append({ kind: "approval", key, seq: e.seq, approval: e.approval });
      }
      case "approval-resolved": {
        const i = this.approvalAt.get(e.approvalId);
        const item = i === undefined ? undefined : this.list[i];
        if (i === undefined || item?.kind !== "approval") return false;
        this.list[i] = {
          ...item,
          approval: { ...item.approval, status: e.status, via: e.via, decidedBy: e.by, comment: e.comment, updatedInput: e.updatedInput, decidedAt: e.at },
        };
        return true;
      }
      case "event-dropped":
        return this.append({ kind: "note", key, seq: e.seq, text: droppedText(e) });
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
      const ok = m.is_error !== true && m.subtype === "success";
      const text = typeof m.result === "string" ? m.result : Array.isArray(m.errors) ? m.errors.join("\n") : String(m.subtype ?? "");
      changed = this.append({
        kind: "result",
        key: `e${seq}`,
        seq,
        ok,
        text,
        costUsd: typeof m.total_cost_usd === "number" ? m.total_cost_usd : null,
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

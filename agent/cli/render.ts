/**
 * Pure text rendering for the `tower` CLI: a session event becomes the lines `watch` prints, and a
 * session summary becomes an `ls` row. SDK messages are open-ended JSON that gains new types every
 * week, so everything is narrowed from `unknown`: an unknown shape renders as nothing, never a crash.
 */
import type { Approval } from "../../worker/protocol/approval";
import { approvalWaitText } from "../../worker/protocol/approval-text";
import type { EventBody } from "../../worker/protocol/events";
import type { SessionStatus, SessionSummary } from "../../worker/protocol/session";
import type { Line, Tone } from "./output";
import { contentBlocks, toolResultText, withoutDiagnostics } from "../../worker/protocol/sdk-message";

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);

export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

const firstLine = (s: string) => s.trim().split("\n")[0] ?? "";

/** The one thing worth showing about a tool call's input: the command, the file, the pattern. */
export function summarizeToolInput(toolName: string, input: Rec): string {
  if (toolName === "Grep" || toolName === "Glob") {
    const pattern = str(input.pattern) ?? "";
    const where = str(input.path);
    return truncate(where ? `${pattern} in ${where}` : pattern, 120);
  }
  for (const key of ["command", "file_path", "notebook_path", "pattern", "url", "query", "description", "prompt"]) {
    const v = str(input[key]);
    if (v) return truncate(firstLine(v), 120);
  }
  const json = JSON.stringify(input);
  return json === "{}" ? "" : truncate(json, 80);
}

export function statusLabel(status: SessionStatus): string {
  if (status === "waiting_for_approval") return "needs approval";
  if (status === "parked") return "parked, needs approval";
  return status.replace(/_/g, " ");
}

export function toneForStatus(status: SessionStatus): Tone | undefined {
  switch (status) {
    case "completed":
      return "ok";
    case "failed":
      return "error";
    case "waiting_for_approval":
    case "parked":
    case "waiting_for_input":
    case "interrupting":
    case "interrupted":
      return "warn";
    case "running":
    case "starting":
      return "accent";
    default:
      return "dim";
  }
}

export function formatCost(usd: number): string {
  return `$${usd.toFixed(usd >= 1 ? 2 : 4)}`;
}

/** "1 turn", "2 turns". */
export function formatTurns(n: number): string {
  return `${n} turn${n === 1 ? "" : "s"}`;
}

export function formatTokens(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(1)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

export const SESSION_COLUMNS = ["STATUS", "ID", "TITLE", "AGENT", "MSGS", "TOOLS", "APPR", "COST", "TOKENS", "AGE"];
/** Indexes of SESSION_COLUMNS that hold numbers (right-aligned). */
export const SESSION_NUMERIC = [4, 5, 6, 7, 8, 9];

/** One `tower ls` row, cell by cell, in SESSION_COLUMNS order. */
export function formatSessionRow(s: SessionSummary, now: number): string[] {
  return [
    statusLabel(s.status),
    s.id,
    truncate(s.title, 40),
    s.agentName ?? s.agentId,
    String(s.messageCount),
    String(s.toolCallCount),
    String(s.pendingApprovals),
    formatCost(s.costUsd),
    formatTokens(s.inputTokens + s.outputTokens),
    formatAge(now - s.createdAt),
  ];
}

/** Tool output, cut to a few short lines: the transcript is for glancing, `--json` has it all. */
function excerpt(text: string, maxLines = 3): string[] {
  const lines = text.replace(/\s+$/, "").split("\n");
  const shown = lines.slice(0, maxLines).map((l) => truncate(l, 160));
  if (lines.length > maxLines) shown.push(`… (+${lines.length - maxLines} lines)`);
  return shown;
}

function renderSystem(m: Rec): Line[] {
  switch (m.subtype) {
    case "init": {
      const bits = [`Claude Code ${str(m.claude_code_version) ?? ""}`.trim(), str(m.model), str(m.cwd)].filter(Boolean);
      return [{ text: `· ${bits.join(" · ")}`, tone: "dim" }];
    }
    case "api_retry":
      return [{ text: `· API unreachable, retry ${num(m.attempt)}/${num(m.max_retries)}`, tone: "dim" }];
    case "compact_boundary":
      return [{ text: "· context compacted", tone: "dim" }];
    default:
      return [];
  }
}

/** Lines for one raw SDK message (assistant text and tool calls, tool results, init). */
export function renderSdkMessage(m: Rec): Line[] {
  let lines: Line[] = [];
  if (m.type === "assistant") {
    const isApiError = m.is_api_error_message === true;
    for (const b of contentBlocks(m)) {
      if (b.type === "text" && str(b.text)?.trim())
        lines.push(
          ...str(b.text)!
            .trim()
            .split("\n")
            .map((text): Line => (isApiError ? { text, tone: "error" } : { text })),
        );
      if (b.type === "tool_use") {
        const name = str(b.name) ?? "tool";
        const summary = summarizeToolInput(name, isRec(b.input) ? b.input : {});
        lines.push({ text: `→ ${name}${summary ? ` ${summary}` : ""}`, tone: "accent" });
      }
    }
  } else if (m.type === "user") {
    for (const b of contentBlocks(m)) {
      if (b.type !== "tool_result") continue;
      const isError = b.is_error === true;
      const content = toolResultText(b.content);
      const body = content.trim() ? excerpt(content) : ["(no output)"];
      lines.push(...body.map((text, i): Line => ({ text: `${i === 0 ? (isError ? "✗ " : "← ") : "  "}${text}`, tone: isError ? "error" : "dim" })));
    }
  } else if (m.type === "system") {
    lines = renderSystem(m);
  }
  // Subagent messages name the Task/Agent tool call they belong to; indent them under it.
  if (typeof m.parent_tool_use_id === "string") lines = lines.map((l) => ({ ...l, text: `  │ ${l.text}` }));
  return lines;
}

function approvalLines(a: Approval, now: number): Line[] {
  const summary = summarizeToolInput(a.toolName, a.input);
  return [
    { text: `? ${a.toolName}${summary ? ` ${summary}` : ""} needs approval  [${a.id}]`, tone: "warn" },
    { text: `  ${approvalWaitText(a, now)}`, tone: "warn" },
    { text: `  tower approve ${a.id}   ·   tower deny ${a.id} --comment "…"`, tone: "dim" },
  ];
}

function resolvedLine(e: Extract<EventBody, { type: "approval-resolved" }>): Line {
  const who = e.by ? `by ${e.by}` : `by ${e.via}`;
  const comment = e.comment ? `: ${truncate(firstLine(e.comment), 160)}` : "";
  const edited = e.updatedInput ? " (with edited input)" : "";
  switch (e.status) {
    case "approved":
      return { text: `✓ ${e.approvalId} approved ${who}${edited}${comment}`, tone: "ok" };
    case "denied":
      return { text: `✗ ${e.approvalId} denied ${who}${comment}`, tone: "error" };
    case "expired":
      return { text: `⌛ ${e.approvalId} expired${comment}`, tone: "warn" };
    default:
      return { text: `– ${e.approvalId} ${e.status}${comment}`, tone: "dim" };
  }
}

function runEndedLines(e: Extract<EventBody, { type: "run-ended" }>): Line[] {
  const o = e.outcome;
  const inTokens = o.inputTokens + o.cacheReadTokens + o.cacheCreationTokens;
  const figures = [
    formatCost(o.costUsd),
    `${formatTokens(inTokens + o.outputTokens)} tokens (in ${formatTokens(inTokens)}, out ${formatTokens(o.outputTokens)})`,
    formatTurns(o.numTurns),
    `${(o.durationMs / 1000).toFixed(1)}s`,
  ];
  // Errors stored before Claude Code's diagnostics were filtered out at the source are cleaned here too.
  const error = o.error ? withoutDiagnostics(o.error) : "";
  if (o.kind === "interrupted") {
    // The room names who interrupted ("interrupted by ann"); an interrupt is not a failure.
    const head = /^interrupted by /.test(error) ? `I${error.slice(1)}` : error && error !== "interrupted" ? `Interrupted (${error})` : "Interrupted";
    return [{ text: `■ ${head} · ${figures.join(" · ")}`, tone: "warn" }];
  }
  const lines: Line[] = [{ text: `■ run ended: ${o.kind.replace(/_/g, " ")} · ${figures.join(" · ")}`, tone: o.kind === "success" ? "ok" : "error" }];
  if (error) lines.push({ text: `  ${truncate(firstLine(error), 300)}`, tone: "error" });
  else if (o.result) lines.push(...excerpt(o.result, 5).map((text): Line => ({ text: `  ${text}` })));
  return lines;
}

/** The human lines for one session event; empty when there is nothing worth a line. `now` dates an approval's expiry. */
export function renderEvent(e: EventBody, now = Date.now()): Line[] {
  switch (e.type) {
    case "session-created":
      return [{ text: `▸ ${e.title}  (${e.spec.cwd})`, tone: "bold" }];
    case "status-changed":
      return [{ text: `● ${statusLabel(e.to)} — ${e.reason}`, tone: toneForStatus(e.to) }];
    case "user-prompt": {
      const [first = "", ...rest] = e.prompt.trim().split("\n");
      return [{ text: `> ${first}  (${e.by})`, tone: "bold" }, ...rest.map((text): Line => ({ text: `  ${text}`, tone: "bold" }))];
    }
    case "sdk-message":
      return renderSdkMessage(e.message);
    case "approval-requested":
      return approvalLines(e.approval, now);
    case "approval-resolved":
      return [resolvedLine(e)];
    case "interrupt-requested":
      return [{ text: `■ interrupt requested by ${e.by}`, tone: "warn" }];
    case "approval-held":
      return [{ text: `? waiting for a person: ${e.reason}`, tone: "warn" }];
    case "run-ended":
      return runEndedLines(e);
    case "event-dropped":
      return [{ text: `! dropped a ${e.eventType} event (${e.size} bytes): ${e.reason}`, tone: "warn" }];
    default:
      return [];
  }
}

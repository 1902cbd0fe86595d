/**
 * What gets indexed from a session: its title, every prompt, assistant text, tool call (name and
 * input), tool result (trimmed) and final result, each as a document keyed by (seq, part) so that
 * indexing the same event twice writes the same rows. Text is scrubbed again on the way in, so a
 * secret that reached storage unscrubbed (a prompt) still never reaches the index. Pure.
 */
import { scrubText } from "../domain/scrub";
import type { SessionEvent } from "../protocol/events";
import type { DocKind } from "../protocol/search";
import { contentBlocks, isRecord, toolResultText } from "../protocol/sdk-message";

export interface IndexDoc {
  seq: number;
  part: number;
  kind: DocKind;
  toolName: string | null;
  /** A file a tool call changed, on the result of the call that changed it, for "what was changed". */
  path: string | null;
  at: number;
  text: string;
}

const MAX_TEXT = 4000;
const MAX_TOOL_RESULT = 1000;

// Control characters are dropped so that nothing stored can be mistaken for markup or markers later.
const clean = (s: string, max: number) => scrubText(s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, " ").slice(0, max)).trim();

/**
 * The file a tool call changed, read from its result: a call that was denied, interrupted or never
 * answered changed nothing, and only a result says it ran. Claude Code puts a write's structured
 * output in `tool_use_result` (Write, Edit, MultiEdit: `filePath`; NotebookEdit: `notebook_path`),
 * which reads and searches do not have at the top level (a Read's path sits under `file`).
 */
function changedPath(m: Record<string, unknown>): string | null {
  const out = m.tool_use_result;
  if (!isRecord(out)) return null;
  const path = out.filePath ?? out.notebook_path;
  return typeof path === "string" && path ? path : null;
}

/** The session's own document (seq 0): its title, so renames are findable. */
export function titleDoc(title: string, at: number): IndexDoc {
  return { seq: 0, part: 0, kind: "title", toolName: null, path: null, at, text: clean(title, MAX_TEXT) };
}

/** The documents of one stored event (none for status changes and the like). */
export function docsOf(e: SessionEvent): IndexDoc[] {
  const base = { seq: e.seq, at: e.at, toolName: null, path: null };
  const out: IndexDoc[] = [];
  const push = (d: Omit<IndexDoc, "seq" | "at" | "part">) => {
    if (d.text) out.push({ ...base, ...d, part: out.length });
  };
  switch (e.type) {
    case "session-created":
      push({ kind: "prompt", toolName: null, path: null, text: clean(e.spec.prompt, MAX_TEXT) });
      break;
    case "user-prompt":
      push({ kind: "prompt", toolName: null, path: null, text: clean(e.prompt, MAX_TEXT) });
      break;
    case "sdk-message": {
      const m = e.message;
      if (m.type === "result" && typeof m.result === "string") push({ kind: "result", toolName: null, path: null, text: clean(m.result, MAX_TEXT) });
      for (const b of m.type === "assistant" || m.type === "user" ? contentBlocks(m) : []) {
        if (b.type === "text" && typeof b.text === "string" && m.type === "assistant")
          push({ kind: "assistant", toolName: null, path: null, text: clean(b.text, MAX_TEXT) });
        else if (b.type === "tool_use" && typeof b.name === "string") {
          const input = isRecord(b.input) ? b.input : {};
          push({ kind: "tool-call", toolName: b.name, path: null, text: clean(`${b.name} ${JSON.stringify(input)}`, MAX_TEXT) });
        } else if (b.type === "tool_result") {
          const path = b.is_error === true ? null : changedPath(m);
          const text = clean(toolResultText(b.content), MAX_TOOL_RESULT);
          push({ kind: "tool-result", toolName: null, path: path ? clean(path, 1000) : null, text: text || (path ? clean(path, 1000) : "") });
        }
      }
      break;
    }
    default:
      break;
  }
  return out;
}

/**
 * One approval, decided in place: approve, deny with a comment (Claude reads it), or approve with
 * an edited input. Keyboard: `a` and `d` act on the focused card (wired by the view). Used by the
 * session view and the inbox; on a phone each action is one tap with a large target.
 */
import { forwardRef, useImperativeHandle, useRef, useState } from "react";
import type { Approval } from "../../../worker/protocol/approval";
import { decide } from "../live/decide";
import { ToolInputView } from "./tools";

export interface ApprovalCardHandle {
  approve(): void;
  deny(): void;
}

export const ApprovalCard = forwardRef<ApprovalCardHandle, { approval: Approval; title?: string; focused?: boolean; onOpen?: () => void }>(
  function ApprovalCard({ approval: a, title, focused, onOpen }, ref) {
    const [mode, setMode] = useState<"idle" | "deny" | "edit">("idle");
    const [comment, setComment] = useState("");
    const [edited, setEdited] = useState(() => JSON.stringify(a.input, null, 2));
    const [editError, setEditError] = useState<string | null>(null);
    const commentRef = useRef<HTMLTextAreaElement>(null);
    const pending = a.status === "pending";

    const approve = () => void decide(a, { decision: "approve" });
    const startDeny = () => {
      setMode("deny");
      setTimeout(() => commentRef.current?.focus(), 0);
    };
    useImperativeHandle(ref, () => ({ approve: () => pending && approve(), deny: () => pending && startDeny() }));

    const submitDeny = () => {
      if (!comment.trim()) return;
      void decide(a, { decision: "deny", comment: comment.trim() });
    };
    const submitEdit = () => {
      try {
        const input = JSON.parse(edited) as unknown;
        if (typeof input !== "object" || input === null || Array.isArray(input)) throw new Error("the input must be a JSON object");
        void decide(a, { decision: "approve", updatedInput: input as Record<string, never> });
      } catch (e) {
        setEditError((e as Error).message);
      }
    };

    return (
      <article
        className={`approval ${pending ? "pending" : a.status} ${focused ? "focused" : ""}`}
        aria-label={`Approval: ${a.toolName}${title ? ` in ${title}` : ""}`}
        data-approval={a.id}
        data-status={a.status}
      >
        <header>
          <strong>{a.toolName}</strong>
          {title ? (
            <button type="button" className="link-button session-link" onClick={onOpen}>
              {title}
            </button>
          ) : null}
          {a.pipelineStepId ? <span className="muted">pipeline step {a.pipelineStepId}</span> : null}
          {!pending ? (
            <span className={`decided ${a.status}`}>
              {a.status}
              {a.via && a.via !== "human" ? ` (${a.via})` : ""}
              {a.comment ? `: ${a.comment}` : ""}
            </span>
          ) : null}
        </header>
        <ToolInputView name={a.toolName} input={a.updatedInput ?? a.input} />
        {pending && mode === "idle" ? (
          <div className="actions">
            <button type="button" className="approve" onClick={approve} aria-keyshortcuts="a">
              Approve
            </button>
            <button type="button" className="deny" onClick={startDeny} aria-keyshortcuts="d">
              Deny…
            </button>
            <button type="button" onClick={() => setMode("edit")}>
              Edit input…
            </button>
          </div>
        ) : null}
        {pending && mode === "deny" ? (
          <form
            className="deny-form"
            onSubmit={(e) => {
              e.preventDefault();
              submitDeny();
            }}
          >
            <label>
              Why not? Claude reads this to decide what to do instead.
              <textarea
                ref={commentRef}
                value={comment}
                required
                rows={2}
                onChange={(e) => setComment(e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === "Enter" && !e.shiftKey) {
                    e.preventDefault();
                    submitDeny();
                  }
                  if (e.key === "Escape") setMode("idle");
                }}
              />
            </label>
            <div className="actions">
              <button type="submit" className="deny" disabled={!comment.trim()}>
                Deny
              </button>
              <button type="button" onClick={() => setMode("idle")}>
                Cancel
              </button>
            </div>
          </form>
        ) : null}
        {pending && mode === "edit" ? (
          <form
            className="edit-form"
            onSubmit={(e) => {
              e.preventDefault();
              submitEdit();
            }}
          >
            <label>
              Tool input (JSON)
              <textarea value={edited} rows={8} spellCheck={false} onChange={(e) => (setEdited(e.target.value), setEditError(null))} />
            </label>
            {editError ? (
              <p role="alert" className="err">
                {editError}
              </p>
            ) : null}
            <div className="actions">
              <button type="submit" className="approve">
                Approve edited
              </button>
              <button type="button" onClick={() => setMode("idle")}>
                Cancel
              </button>
            </div>
          </form>
        ) : null}
      </article>
    );
  },
);

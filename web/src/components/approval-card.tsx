/**
 * One approval, decided in place: approve, deny with a comment (Claude reads it), or approve with
 * an edited input (a monospace editor checked as you type). Keyboard: `a` and `d` act on the focused
 * card (wired by the view). Used by the session view and the inbox; on a phone each action is one tap
 * with a large target, except approving a call Claude Code says a person must answer: that takes a
 * second, explicit Confirm (the room refuses it otherwise). It says how long the request has waited, when it expires, and on which machine.
 * "Always allow…" shows the narrowest rule for the call and, once confirmed, has the server add it to
 * the rule set (a new version) and approve.
 */
import { forwardRef, useEffect, useId, useImperativeHandle, useMemo, useRef, useState } from "react";
import { approvalWhy, type Approval } from "../../../worker/protocol/approval";
import { proposeRule } from "../../../worker/protocol/rule-proposal";
import { Rule as RuleSchema } from "../../../worker/protocol/rules";
import { api } from "../live/api";
import { decide, showDecided } from "../live/decide";
import { me } from "../live/me";
import { toast } from "../live/toasts";
import { approvalTiming } from "../state/approval-timing";
import { checkToolInput } from "../state/json-check";
import { useStore } from "../state/store";
import { ToolInputView } from "./tools";

/** The clock, re-read every `ms` so relative times ("asked 5m ago") stay true on an open screen. */
function useNow(ms: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

export interface ApprovalCardHandle {
  approve(): void;
  deny(): void;
}

export interface ApprovalCardProps {
  approval: Approval;
  title?: string;
  /** The machine the session runs on (the inbox names it; the session view already does). */
  machine?: string | null;
  /** The session's working directory: a proposed Bash rule is limited to it (none is offered without it). */
  cwd?: string | null;
  focused?: boolean;
  onOpen?: () => void;
}

export const ApprovalCard = forwardRef<ApprovalCardHandle, ApprovalCardProps>(function ApprovalCard(
  { approval: a, title, machine, cwd, focused, onOpen },
  ref,
) {
  const [mode, setMode] = useState<"idle" | "deny" | "edit" | "always" | "confirm">("idle");
  const [adding, setAdding] = useState(false);
  // The YAML module loads when "Always allow…" is opened, not with every card.
  const [shownRule, setShownRule] = useState<string | null>(null);
  // Proposed once per card: the rule id carries the time it was offered.
  const proposal = useMemo(() => proposeRule({ ...a, cwd: cwd ?? null }, Date.now()), [a, cwd]);
  const [comment, setComment] = useState("");
  const [edited, setEdited] = useState(() => JSON.stringify(a.input, null, 2));
  const check = useMemo(() => checkToolInput(edited), [edited]);
  const editErrorId = useId();
  const commentRef = useRef<HTMLTextAreaElement>(null);
  const pending = a.status === "pending";
  const now = useNow(15_000);
  const timing = approvalTiming(a, now);
  // Why this call waits for this reader: routed to them, a quorum, an escalation or deadline to come.
  const why = approvalWhy(a, useStore(me)?.user?.id ?? null, now);

  // A call Claude Code says a person must answer is never one tap (nor the `a` key): Approve opens a confirmation.
  const mustConfirm = a.requiresUserInteraction === true;
  const approve = () => (mustConfirm ? setMode("confirm") : void decide(a, { decision: "approve" }));
  // The comment is focused once its field is there, whoever opened it (the button, `d`, a notification's Deny).
  useEffect(() => {
    if (mode === "deny") commentRef.current?.focus();
  }, [mode]);
  const startDeny = () => {
    setMode("deny");
  };
  useImperativeHandle(ref, () => ({ approve: () => pending && approve(), deny: () => pending && startDeny() }));

  const submitDeny = () => {
    if (!comment.trim()) return;
    void decide(a, { decision: "deny", comment: comment.trim() });
  };
  const addRuleAndApprove = async () => {
    if (!proposal.ok) return;
    setAdding(true);
    try {
      // The server adds the rule only when it is the one it proposes itself for this call, then approves.
      const saved = await api.alwaysAllow(a.id, { inputSha256: a.inputSha256, rule: RuleSchema.parse(proposal.rule) });
      toast(`Added rule ${saved.ruleId} (rules version ${saved.version}).`);
      showDecided(saved.approval);
    } catch (e) {
      toast(`Could not add the rule: ${(e as Error).message}`, "error");
    } finally {
      setAdding(false);
    }
  };
  const submitEdit = () => {
    if (check.ok) void decide(a, { decision: "approve", updatedInput: check.value, ...(mustConfirm ? { confirmed: true as const } : {}) });
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
      <p className="approval-meta muted">
        {pending ? (
          <>
            <time dateTime={new Date(a.createdAt).toISOString()} title={new Date(a.createdAt).toLocaleString()}>
              {timing.asked}
            </time>
            {" · "}
            <time
              dateTime={new Date(a.expiresAt).toISOString()}
              title={new Date(a.expiresAt).toLocaleString()}
              className={timing.urgent ? "urgent" : undefined}
            >
              {timing.expiry}
            </time>
          </>
        ) : (
          <time dateTime={new Date(a.createdAt).toISOString()}>{timing.asked}</time>
        )}
        {machine ? <span className="machine"> · on {machine}</span> : null}
      </p>
      {why ? <p className="approval-why muted">{why}</p> : null}
      {pending && a.parked ? (
        <p className="approval-parked muted" data-parked>
          Parked: Claude Code was stopped while this waited{machine ? `, and ${machine} is free` : ""}. Deciding resumes the session with exactly this call.
        </p>
      ) : null}
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
          {proposal.ok ? (
            <button
              type="button"
              onClick={() => {
                setMode("always");
                void import("../state/rules-source").then((m) => setShownRule(m.ruleYaml(proposal.rule)));
              }}
            >
              Always allow…
            </button>
          ) : null}
        </div>
      ) : null}
      {pending && mode === "confirm" ? (
        <section className="confirm-form" aria-label="Confirm approval">
          <p>Claude Code requires a person to answer this call. Check it above, then confirm.</p>
          <div className="actions">
            <button type="button" className="approve" onClick={() => void decide(a, { decision: "approve", confirmed: true })}>
              Confirm approve
            </button>
            <button type="button" onClick={() => setMode("idle")}>
              Cancel
            </button>
          </div>
        </section>
      ) : null}
      {pending && mode === "always" && proposal.ok ? (
        <section className="always-form" aria-label="Always allow this">
          <p>{proposal.summary}. This rule is added to the workspace's approval rules:</p>
          <pre className="code-input" data-testid="proposed-rule">
            {shownRule ?? "…"}
          </pre>
          <div className="actions">
            <button type="button" className="approve" disabled={adding} onClick={() => void addRuleAndApprove()}>
              Add rule and approve
            </button>
            <button type="button" onClick={() => setMode("idle")}>
              Cancel
            </button>
          </div>
        </section>
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
            <textarea
              className="code-input"
              value={edited}
              rows={Math.min(20, Math.max(6, edited.split("\n").length + 1))}
              spellCheck={false}
              autoCapitalize="off"
              autoCorrect="off"
              aria-invalid={!check.ok}
              aria-describedby={editErrorId}
              onChange={(e) => setEdited(e.target.value)}
            />
          </label>
          <p id={editErrorId} className={check.ok ? "muted" : "err"} aria-live="polite">
            {check.ok ? "Valid JSON." : `Line ${check.line}, column ${check.column}: ${check.message}`}
          </p>
          <div className="actions">
            <button type="submit" className="approve" disabled={!check.ok}>
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
});

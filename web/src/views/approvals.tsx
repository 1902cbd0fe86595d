/**
 * The approvals inbox: every pending approval in the workspace, newest first, live from the hub.
 * Made for a 390×844 phone first (one tap to approve), and for j/k/a/d/Enter on a keyboard.
 */
import { useEffect, useRef, useState } from "react";
import { useLocation, useSearch } from "wouter";
import { ApprovalCard, type ApprovalCardHandle } from "../components/approval-card";
import { useCommands } from "../keys/commands";
import { workspace } from "../live/workspace-live";
import { useStore } from "../state/store";
import { pendingApprovals } from "../state/workspace";

export function ApprovalsView() {
  const state = useStore(workspace);
  const list = pendingApprovals(state);
  const [focus, setFocus] = useState(0);
  const focused = useRef<ApprovalCardHandle>(null);
  const [, navigate] = useLocation();
  useEffect(() => setFocus((f) => Math.min(f, Math.max(0, list.length - 1))), [list.length]);
  const current = list[focus];
  // A notification's Deny (or a plain click) opens `?approval=<id>[&deny=1]`: that card, focused, its deny comment ready.
  const wanted = new URLSearchParams(useSearch());
  const target = wanted.get("approval");
  const denyTarget = wanted.get("deny") === "1";
  const opened = useRef<string | null>(null);
  const [denyNext, setDenyNext] = useState(false);
  useEffect(() => {
    const i = target && opened.current !== `${target}:${denyTarget}` ? list.findIndex((a) => a.id === target) : -1;
    if (i < 0) return;
    opened.current = `${target}:${denyTarget}`;
    setFocus(i);
    setDenyNext(denyTarget);
  }, [target, denyTarget, list]);
  useEffect(() => {
    if (!denyNext || current?.id !== target) return;
    setDenyNext(false);
    focused.current?.deny();
  }, [denyNext, current, target]);

  useCommands({
    down: () => setFocus((f) => Math.min(list.length - 1, f + 1)),
    up: () => setFocus((f) => Math.max(0, f - 1)),
    approve: () => focused.current?.approve(),
    deny: () => focused.current?.deny(),
    open: () => current && navigate(`/sessions/${current.sessionId}`),
  });

  return (
    <section className="view approvals-view" aria-labelledby="approvals-h">
      <h1 id="approvals-h">
        Approvals <span className="count">{list.length}</span>
      </h1>
      {target && state.loaded && !list.some((a) => a.id === target) ? (
        <p role="status" className="empty">
          That approval no longer waits: it was decided, expired or withdrawn.
        </p>
      ) : null}
      {list.length === 0 ? (
        <p className="empty">Nothing is waiting for you. New requests appear here the moment an agent asks.</p>
      ) : (
        <ul className="inbox" aria-label="Pending approvals">
          {list.map((a, i) => (
            <li key={a.id} onClick={() => setFocus(i)}>
              <ApprovalCard
                ref={i === focus ? focused : undefined}
                approval={a}
                focused={i === focus}
                title={state.sessions.get(a.sessionId)?.title ?? a.sessionTitle ?? a.sessionId}
                machine={state.sessions.get(a.sessionId)?.agentName ?? null}
                cwd={state.sessions.get(a.sessionId)?.cwd ?? null}
                onOpen={() => navigate(`/sessions/${a.sessionId}`)}
              />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

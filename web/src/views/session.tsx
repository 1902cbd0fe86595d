/**
 * One session as it streams: the conversation (virtualised, so a session of thousands of events
 * stays smooth; it keeps to the bottom while you are there and holds still when you scroll up),
 * approvals inline, interrupt, and continue or fork with a follow-up prompt.
 */
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useLayoutEffect, useRef, useState, type ReactNode } from "react";
import { useLocation } from "wouter";
import { ApprovalCard, type ApprovalCardHandle } from "../components/approval-card";
import { MarkdownText } from "../components/markdown";
import { compact, money, StatusBadge, statusLabel } from "../components/status";
import { SaveTemplateDialog } from "../components/save-template";
import { SharePanel } from "../components/share-panel";
import { SolvedBefore } from "../components/solved-before";
import { ToolCall } from "../components/tools";
import { useCommands } from "../keys/commands";
import { api } from "../live/api";
import { onApprovalChange } from "../live/decide";
import { SessionLive } from "../live/session-live";
import { toast } from "../live/toasts";
import { sessionLink, workspace } from "../live/workspace-live";
import { useStore } from "../state/store";
import { resultHeading, type Item } from "../transcript/build";
import { COST_MEANING } from "../transcript/figures";
import { isEnded } from "../../../worker/protocol/session";

function ItemView({ item }: { item: Item }): ReactNode {
  switch (item.kind) {
    case "prompt":
      return (
        <div className="msg prompt">
          <div className="who">{item.by ? `Prompt from ${item.by}` : "Prompt"}</div>
          <MarkdownText text={item.text} />
        </div>
      );
    case "text":
      return (
        <div className={item.live ? "msg assistant streaming" : "msg assistant"} aria-busy={item.live ? true : undefined}>
          <MarkdownText text={item.text} />
        </div>
      );
    case "thinking":
      return (
        <details className="msg thinking">
          <summary>Thinking</summary>
          <pre>{item.text}</pre>
        </details>
      );
    case "tool":
      return <ToolCall item={item} renderChild={(c) => <ItemView item={c} />} />;
    case "approval":
      return null; // rendered by the list so that `a`/`d` can reach it
    case "status":
      return (
        <div className="event status-change" role="note">
          {item.from ? `${statusLabel(item.from)} → ` : ""}
          {statusLabel(item.to)}
          {item.reason ? <span className="muted"> · {item.reason}</span> : null}
        </div>
      );
    case "note":
      return <div className="event">{item.text}</div>;
    case "result":
      return (
        <div className={`msg result ${item.outcome === "success" ? "ok" : item.outcome === "error" ? "failed" : "stopped"}`} data-outcome={item.outcome}>
          <div className="who" title={COST_MEANING}>
            {resultHeading(item)}
          </div>
          {item.text ? <MarkdownText text={item.text} /> : null}
        </div>
      );
  }
}

export default function SessionView({ id }: { id: string }) {
  // The socket is opened in an effect (never during render, which React may repeat or discard).
  const [live, setLive] = useState<SessionLive | null>(null);
  useEffect(() => {
    const l = new SessionLive(id);
    setLive(l);
    const stop = l.status.subscribe(() => sessionLink.set(l.status.get()));
    const stopApprovals = onApprovalChange((a) => a.sessionId === id && l.setApproval(a));
    return () => {
      stop();
      stopApprovals();
      sessionLink.set(null);
      l.close();
    };
  }, [id]);
  return live ? (
    <SessionPage id={id} live={live} />
  ) : (
    <p className="empty" aria-busy="true">
      Loading session…
    </p>
  );
}

function SessionPage({ id, live }: { id: string; live: SessionLive }) {
  const fromList = useStore(workspace).sessions.get(id);
  useEffect(() => {
    if (fromList) live.setSummary(fromList);
  }, [fromList, live]);
  const view = useStore(live.view);
  const s = view.summary ?? fromList ?? null;
  const [, navigate] = useLocation();
  const [sharing, setSharing] = useState(false);
  const [showSimilar, setShowSimilar] = useState(false);
  const [menu, setMenu] = useState(false);
  const [saving, setSaving] = useState(false);

  const scroller = useRef<HTMLDivElement>(null);
  const items = view.items;
  const virtual = useVirtualizer({
    count: items.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => 72,
    overscan: 8,
    getItemKey: (i) => items[i]!.key,
  });
  const atBottom = useRef(true);
  useLayoutEffect(() => {
    if (atBottom.current && items.length) virtual.scrollToIndex(items.length - 1, { align: "end" });
  }, [items, virtual]); // every change, so text still being written stays in view too

  // Jump to an event named in the URL (#seq-42, e.g. from a search result): the item that holds it
  // (a tool result lives in its call's item) or the nearest one before it.
  const [target, setTarget] = useState<string | null>(null);
  useEffect(() => {
    const m = /^#seq-(\d+)$/.exec(location.hash);
    if (!m || !items.length || target) return;
    const seq = Number(m[1]);
    let i = 0;
    for (let j = 0; j < items.length; j++) if (items[j]!.seq <= seq) i = j;
    atBottom.current = false;
    setTarget(items[i]!.key);
    virtual.scrollToIndex(i, { align: "center" });
  }, [items.length > 0]); // eslint-disable-line react-hooks/exhaustive-deps

  const pending = [...view.approvals.values()].filter((a) => a.status === "pending");
  const firstPending = useRef<ApprovalCardHandle>(null);
  const active = s ? !isEnded(s.status) : false;

  const interrupt = async () => {
    try {
      await api.interrupt(id);
      toast("Interrupt sent");
    } catch (e) {
      toast(`Could not interrupt: ${(e as Error).message}`, "error");
    }
  };
  useCommands({
    approve: () => firstPending.current?.approve(),
    deny: () => firstPending.current?.deny(),
    interrupt: () => active && void interrupt(),
    archive: () => s && void api.patchSession(id, { archived: !s.archived }).then(() => toast(s.archived ? "Restored" : "Archived")),
  });

  if (!s) {
    return (
      <section className="view" aria-busy="true">
        <p className="empty">{view.error ?? "Loading session…"}</p>
      </section>
    );
  }

  return (
    <section className="view session-view" aria-labelledby="session-h">
      <header className="session-head">
        <div className="line">
          <StatusBadge status={s.status} />
          <h1 id="session-h">{s.title}</h1>
          <div className="session-actions">
            {active ? (
              <button type="button" className="danger" onClick={() => void interrupt()} aria-keyshortcuts="Control+X">
                Interrupt
              </button>
            ) : null}
            <button type="button" className="more-toggle" aria-expanded={menu} aria-controls="session-menu" onClick={() => setMenu(!menu)}>
              <span aria-hidden="true">⋯</span>
              <span className="sr-only">More actions</span>
            </button>
            {/* One set of buttons: inline on a wide screen, behind ⋯ on a phone (CSS); choosing one closes the menu. */}
            <div id="session-menu" className="menu" data-open={menu ? "" : undefined} onClick={() => setMenu(false)}>
              <button type="button" aria-expanded={sharing} onClick={() => setSharing(!sharing)}>
                Share…
              </button>
              <button type="button" aria-expanded={showSimilar} onClick={() => setShowSimilar(!showSimilar)}>
                Solved before
              </button>
              <button type="button" onClick={() => setSaving(true)}>
                Save as template…
              </button>
              {s.pipelineRunId ? (
                <button type="button" className="link-button" onClick={() => navigate(`/pipelines/${s.pipelineRunId}`)}>
                  Pipeline step {s.pipelineStepId}
                </button>
              ) : null}
              {s.parentSessionId ? (
                <button type="button" className="link-button" onClick={() => navigate(`/sessions/${s.parentSessionId}`)}>
                  Parent session
                </button>
              ) : null}
            </div>
          </div>
        </div>
        <dl className="facts">
          <div>
            <dt>Machine</dt>
            <dd>{s.agentName ?? "—"}</dd>
          </div>
          <div>
            <dt>Directory</dt>
            <dd className="path">{s.cwd}</dd>
          </div>
          <div title={COST_MEANING}>
            <dt>Cost (all runs)</dt>
            <dd data-testid="cost">
              {money(s.costUsd)}
              {/* Claude Code prices a reply only when it ends; tokens and turns move as it goes. */}
              {active && s.status !== "queued" ? <span className="muted"> + this reply</span> : null}
            </dd>
          </div>
          <div>
            <dt>Tokens</dt>
            <dd data-testid="tokens">
              {compact(s.inputTokens)} in · {compact(s.outputTokens)} out
            </dd>
          </div>
          <div>
            <dt>Turns</dt>
            <dd data-testid="turns">{s.numTurns}</dd>
          </div>
        </dl>
        {s.statusReason && !active ? <p className="muted reason">{s.statusReason}</p> : null}
      </header>
      {pending.length ? (
        <div className="pending-approvals" aria-label="Waiting for your decision">
          {pending.map((a, i) => (
            <ApprovalCard key={a.id} approval={a} cwd={s.cwd} ref={i === 0 ? firstPending : undefined} focused={i === 0} />
          ))}
        </div>
      ) : null}
      <div
        className="transcript"
        ref={scroller}
        role="log"
        aria-label="Conversation"
        aria-live="off"
        // A scroller must be reachable by keyboard (arrow keys and Page Down scroll it once focused).
        tabIndex={0}
        onScroll={(e) => {
          const el = e.currentTarget;
          atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
      >
        <div style={{ height: virtual.getTotalSize(), position: "relative" }}>
          {virtual.getVirtualItems().map((v) => {
            const item = items[v.index]!;
            return (
              <div
                key={v.key}
                data-index={v.index}
                data-seq={item.seq}
                ref={virtual.measureElement}
                className={item.key === target ? "row target" : "row"}
                data-target={item.key === target ? "" : undefined}
                style={{ position: "absolute", top: 0, left: 0, width: "100%", transform: `translateY(${v.start}px)` }}
              >
                {item.kind === "approval" ? (
                  item.approval.status === "pending" ? (
                    <div className="event">Waiting for approval of {item.approval.toolName} (above)</div>
                  ) : (
                    <ApprovalCard approval={item.approval} cwd={s?.cwd ?? null} />
                  )
                ) : (
                  <ItemView item={item} />
                )}
              </div>
            );
          })}
        </div>
        {items.length === 0 ? <p className="empty">Waiting for the first event…</p> : null}
      </div>
      {!active ? <FollowUp id={id} /> : null}
      {/* Beside the conversation on a wide screen, a sheet over it on a phone: never in its height. */}
      {sharing || showSimilar ? (
        <aside className="session-side" aria-label="Session panels">
          <button type="button" className="side-close" onClick={() => (setSharing(false), setShowSimilar(false))}>
            Close panels
          </button>
          {sharing ? <SharePanel sessionId={id} onClose={() => setSharing(false)} /> : null}
          {showSimilar ? <SolvedBefore sessionId={id} /> : null}
        </aside>
      ) : null}
      {saving ? <SaveTemplateDialog sessionId={id} onClose={() => setSaving(false)} /> : null}
    </section>
  );
}

function FollowUp({ id }: { id: string }) {
  const [prompt, setPrompt] = useState("");
  const [busy, setBusy] = useState(false);
  const [, navigate] = useLocation();
  const send = async (fork: boolean) => {
    if (!prompt.trim()) return;
    setBusy(true);
    try {
      const next = await api.continueSession(id, { prompt: prompt.trim(), fork });
      setPrompt("");
      if (next.id !== id) navigate(`/sessions/${next.id}`);
    } catch (e) {
      toast(`Could not ${fork ? "fork" : "continue"}: ${(e as Error).message}`, "error");
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      className="follow-up"
      onSubmit={(e) => {
        e.preventDefault();
        void send(false);
      }}
    >
      <label>
        <span className="sr-only">Follow-up prompt</span>
        <textarea
          value={prompt}
          rows={2}
          placeholder="Follow up… (Ctrl+Enter to continue)"
          onChange={(e) => setPrompt(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              void send(false);
            }
          }}
        />
      </label>
      <div className="actions">
        <button type="submit" className="primary" disabled={busy || !prompt.trim()}>
          Continue
        </button>
        <button type="button" disabled={busy || !prompt.trim()} onClick={() => void send(true)}>
          Fork
        </button>
      </div>
    </form>
  );
}

/**
 * The live session table: every row follows the workspace hub, so status, counts and cost change
 * in place. Filters, multi-select with bulk archive/restore, and j/k/x/e/Enter on the keyboard.
 */
import { useEffect, useMemo, useRef, useState } from "react";
import { useLocation } from "wouter";
import { useCommands } from "../keys/commands";
import { api } from "../live/api";
import { toast } from "../live/toasts";
import { listError, loadFirstPage, loadMore, nextCursor, workspace } from "../live/workspace-live";
import { pipelineMark } from "../state/rows";
import { useStore } from "../state/store";
import { defaultFilter, visibleSessions, type SessionFilter } from "../state/workspace";
import { MachineSelect } from "../components/machine-select";
import { age, compact, money, StatusBadge } from "../components/status";

export function SessionsView() {
  const state = useStore(workspace);
  const cursor = useStore(nextCursor);
  const error = useStore(listError);
  // Ages are relative to now: re-render twice a minute so they stay true without any request.
  const [, tick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => tick((n) => n + 1), 30_000);
    return () => clearInterval(t);
  }, []);
  const [filter, setFilter] = useState<SessionFilter>(defaultFilter);
  const [focus, setFocus] = useState(0);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [, navigate] = useLocation();
  const rows = useMemo(() => visibleSessions(state, filter), [state, filter]);
  const body = useRef<HTMLTableSectionElement>(null);
  const agents = [...state.agents.values()];

  useEffect(() => setFocus((f) => Math.min(f, Math.max(0, rows.length - 1))), [rows.length]);
  const focusRow = (i: number) => {
    setFocus(i);
    (body.current?.children[i] as HTMLElement | undefined)?.focus();
  };
  const toggle = (id: string) =>
    setSelected((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });

  const archive = async (ids: string[], archived: boolean) => {
    const results = await Promise.allSettled(ids.map((id) => api.patchSession(id, { archived })));
    const failed = results.filter((r) => r.status === "rejected").length;
    const done = ids.length - failed;
    if (done) toast(`${archived ? "Archived" : "Restored"} ${done} session${done === 1 ? "" : "s"}`);
    if (failed) toast(`${failed} could not be ${archived ? "archived" : "restored"}`, "error");
    setSelected(new Set());
  };

  useCommands({
    down: () => focusRow(Math.min(rows.length - 1, focus + 1)),
    up: () => focusRow(Math.max(0, focus - 1)),
    open: () => rows[focus] && navigate(`/sessions/${rows[focus]!.id}`),
    select: () => rows[focus] && toggle(rows[focus]!.id),
    archive: () => {
      const ids = selected.size ? [...selected] : rows[focus] ? [rows[focus]!.id] : [];
      if (ids.length) void archive(ids, !filter.archived);
    },
  });

  return (
    <section className="view sessions-view" aria-labelledby="sessions-h">
      <div className="toolbar">
        <h1 id="sessions-h">Sessions</h1>
        <label>
          <span className="sr-only">Status</span>
          <select value={filter.status} onChange={(e) => setFilter({ ...filter, status: e.target.value as SessionFilter["status"] })}>
            <option value="all">All statuses</option>
            <option value="needs_approval">Needs approval</option>
            <option value="active">Active</option>
            <option value="ended">Ended</option>
          </select>
        </label>
        <MachineSelect agents={agents} value={filter.agent ?? ""} onChange={(id) => setFilter({ ...filter, agent: id || null })} anyLabel="All machines" />
        <label className="check">
          <input type="checkbox" checked={filter.archived} onChange={(e) => setFilter({ ...filter, archived: e.target.checked })} /> Archived
        </label>
        {selected.size ? (
          <span className="bulk" role="group" aria-label="Selected sessions">
            {selected.size} selected
            <button type="button" onClick={() => void archive([...selected], !filter.archived)}>
              {filter.archived ? "Restore" : "Archive"}
            </button>
            <button type="button" onClick={() => setSelected(new Set())}>
              Clear
            </button>
          </span>
        ) : null}
      </div>
      {error && !state.loaded ? (
        <div className="empty" role="alert">
          <p>Could not load the sessions: {error}</p>
          <button type="button" onClick={() => void loadFirstPage()}>
            Try again
          </button>
        </div>
      ) : !state.loaded ? (
        <p className="empty" aria-busy="true">
          Loading sessions…
        </p>
      ) : rows.length === 0 ? (
        <p className="empty">
          {filter.archived ? "No archived sessions." : "No sessions yet. Press "}
          {filter.archived ? null : (
            <>
              <kbd>c</kbd> to start one.
            </>
          )}
        </p>
      ) : (
        <table className="sessions" aria-label="Sessions">
          <thead>
            <tr>
              <th scope="col" className="sel">
                <span className="sr-only">Selected</span>
              </th>
              <th scope="col">Status</th>
              <th scope="col">Title</th>
              <th scope="col" className="wide">
                Machine
              </th>
              <th scope="col" className="wide">
                Directory
              </th>
              <th scope="col" className="num wide">
                Msgs
              </th>
              <th scope="col" className="num wide">
                Tools
              </th>
              <th scope="col" className="num">
                Cost
              </th>
              <th scope="col" className="num wide">
                Tokens
              </th>
              <th scope="col" className="num">
                Age
              </th>
            </tr>
          </thead>
          <tbody ref={body}>
            {rows.map((s, i) => (
              <tr
                key={s.id}
                tabIndex={i === focus ? 0 : -1}
                className={i === focus ? "focused" : undefined}
                aria-selected={selected.has(s.id)}
                data-session={s.id}
                onClick={() => navigate(`/sessions/${s.id}`)}
                onFocus={() => setFocus(i)}
              >
                <td className="sel" onClick={(e) => e.stopPropagation()}>
                  <input type="checkbox" aria-label={`Select ${s.title}`} checked={selected.has(s.id)} onChange={() => toggle(s.id)} />
                </td>
                <td className="state">
                  <StatusBadge status={s.status} />
                </td>
                <td className="title">
                  <a href={`/sessions/${s.id}`} onClick={(e) => (e.preventDefault(), navigate(`/sessions/${s.id}`))} tabIndex={-1}>
                    {s.title}
                  </a>
                  {pipelineMark(s) ? <span className="muted">{pipelineMark(s)}</span> : null}
                  {s.status === "failed" && s.statusReason ? <div className="muted clamp reason">{s.statusReason}</div> : null}
                </td>
                <td className="wide">{s.agentName ?? "—"}</td>
                <td className="wide path">{s.cwd}</td>
                <td className="num wide">{s.messageCount}</td>
                <td className="num wide">{s.toolCallCount}</td>
                <td className="num cost">{money(s.costUsd)}</td>
                <td className="num wide">{compact(s.inputTokens + s.outputTokens)}</td>
                <td className="num age">{age(s.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {cursor ? (
        <button type="button" className="more" onClick={() => void loadMore()}>
          Load older sessions
        </button>
      ) : null}
    </section>
  );
}

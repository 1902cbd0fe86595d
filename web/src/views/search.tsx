/**
 * Search every past session by words and by meaning (hybrid by default; text or semantic on
 * request), with filters. Results scroll with the page, j/k move, Enter or a click opens the
 * session at the exact event that matched (#seq-N), highlights included.
 */
import { useEffect, useRef, useState } from "react";
import { useLocation } from "wouter";
import { SearchMode, type SearchResult } from "../../../worker/protocol/search";
import type { SearchOptions } from "../../../worker/client";
import { MachineSelect } from "../components/machine-select";
import { Snippet } from "../components/snippet";
import { StatusBadge, age } from "../components/status";
import { useCommands } from "../keys/commands";
import { api } from "../live/api";
import { workspace } from "../live/workspace-live";
import { useStore } from "../state/store";

const KIND_LABEL: Record<string, string> = {
  title: "title",
  prompt: "prompt",
  assistant: "reply",
  "tool-call": "tool call",
  "tool-result": "tool output",
  result: "result",
};

export function SearchView() {
  const params = new URLSearchParams(location.search);
  const [q, setQ] = useState(() => params.get("q") ?? "");
  const [mode, setMode] = useState<SearchMode>(() => SearchMode.catch("hybrid").parse(params.get("mode") ?? undefined));
  const [agent, setAgent] = useState("");
  const [status, setStatus] = useState("");
  const [tool, setTool] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [results, setResults] = useState<SearchResult[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [focus, setFocus] = useState(0);
  const [, navigate] = useLocation();
  const input = useRef<HTMLInputElement>(null);
  const list = useRef<HTMLOListElement>(null);
  const agents = [...useStore(workspace).agents.values()];

  useEffect(() => {
    const query = q.trim();
    const search = new URLSearchParams({ ...(query ? { q: query } : {}), ...(mode !== "hybrid" ? { mode } : {}) }).toString();
    history.replaceState(history.state, "", search ? `/search?${search}` : "/search");
    if (!query) {
      setResults(null);
      return;
    }
    let stale = false;
    const opts: SearchOptions = {
      mode,
      limit: 100,
      ...(agent ? { agent } : {}),
      ...(status ? { status: [status] } : {}),
      ...(tool.trim() ? { tool: tool.trim() } : {}),
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
    };
    const t = setTimeout(() => {
      api
        .search(query, opts)
        .then((r) => !stale && (setResults(r.results), setError(null), setFocus(0)))
        .catch((e: Error) => !stale && setError(e.message));
    }, 150);
    return () => {
      stale = true;
      clearTimeout(t);
    };
  }, [q, mode, agent, status, tool, from, to]);

  const open = (r: SearchResult | undefined) => r && navigate(`/sessions/${r.sessionId}${r.match.seq > 0 ? `#seq-${r.match.seq}` : ""}`);
  const move = (i: number) => {
    setFocus(i);
    (list.current?.children[i]?.querySelector("a") as HTMLElement | null)?.focus();
  };
  useCommands({
    down: () => results?.length && move(Math.min(results.length - 1, focus + 1)),
    up: () => (focus === 0 ? input.current?.focus() : move(focus - 1)),
    open: () => open(results?.[focus]),
    search: () => input.current?.focus(),
  });

  return (
    <section className="view search-view" aria-labelledby="search-h">
      <h1 id="search-h" className="sr-only">
        Search
      </h1>
      <input
        ref={input}
        type="search"
        autoFocus
        className="search-box"
        aria-label="Search sessions"
        placeholder="Search every session: words, “exact phrases”, prefix*, or describe it…"
        value={q}
        onChange={(e) => setQ(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown" && results?.length) {
            e.preventDefault();
            move(0);
          }
          if (e.key === "Enter" && results?.length) open(results[focus]);
        }}
      />
      <div className="toolbar filters">
        <div role="radiogroup" aria-label="Search by" className="segmented">
          {(["hybrid", "text", "semantic"] as const).map((m) => (
            <button key={m} type="button" role="radio" aria-checked={mode === m} onClick={() => setMode(m)}>
              {m === "hybrid" ? "words + meaning" : m === "text" ? "words" : "meaning"}
            </button>
          ))}
        </div>
        <MachineSelect agents={agents} value={agent} onChange={setAgent} anyLabel="Any machine" />
        <label>
          <span className="sr-only">Status</span>
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">Any status</option>
            <option value="completed">completed</option>
            <option value="failed">failed</option>
            <option value="interrupted">interrupted</option>
            <option value="running">running</option>
            <option value="waiting_for_approval">needs approval</option>
            <option value="parked">parked</option>
          </select>
        </label>
        <label>
          <span className="sr-only">Tool</span>
          <input value={tool} onChange={(e) => setTool(e.target.value)} placeholder="tool, e.g. Bash" className="short" />
        </label>
        <label>
          <span className="sr-only">From date</span>
          <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} className="short" />
        </label>
        <label>
          <span className="sr-only">To date</span>
          <input type="date" value={to} onChange={(e) => setTo(e.target.value)} className="short" />
        </label>
      </div>
      {error ? (
        <p role="alert" className="err">
          {error}
        </p>
      ) : null}
      {results === null ? (
        <p className="empty">Find how the team solved it before: by words, by meaning, or both.</p>
      ) : results.length === 0 ? (
        <p className="empty">No sessions match “{q.trim()}”.</p>
      ) : (
        <ol className="results" ref={list} aria-label="Search results">
          {results.map((r, i) => (
            <li key={r.sessionId} className={i === focus ? "focused" : undefined} data-session={r.sessionId}>
              <a
                href={`/sessions/${r.sessionId}`}
                onClick={(e) => {
                  e.preventDefault();
                  open(r);
                }}
                onFocus={() => setFocus(i)}
              >
                <StatusBadge status={r.status} /> <strong>{r.title}</strong>
                <span className="muted">
                  {" "}
                  · {r.agentName ?? ""} · {age(r.createdAt)} ago · matched in {KIND_LABEL[r.match.kind] ?? r.match.kind}
                  {r.match.toolName ? ` (${r.match.toolName})` : ""}
                </span>
                <div>
                  <Snippet html={r.match.snippet} />
                </div>
              </a>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

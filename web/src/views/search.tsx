/**
 * Search: type and the matching sessions appear (title and prompt today; full-text and semantic
 * search arrive behind this same view). The results scroll with the page, j/k move, Enter or a
 * click opens the session at the matching event.
 */
import { useEffect, useRef, useState } from "react";
import { useLocation } from "wouter";
import type { SessionSummary } from "../../../worker/protocol/session";
import { StatusBadge, age } from "../components/status";
import { useCommands } from "../keys/commands";
import { api } from "../live/api";

export function SearchView() {
  const [q, setQ] = useState(() => new URLSearchParams(location.search).get("q") ?? "");
  const [results, setResults] = useState<SessionSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [focus, setFocus] = useState(0);
  const [, navigate] = useLocation();
  const input = useRef<HTMLInputElement>(null);
  const list = useRef<HTMLOListElement>(null);

  useEffect(() => {
    const query = q.trim();
    history.replaceState(history.state, "", query ? `/search?q=${encodeURIComponent(query)}` : "/search");
    if (!query) {
      setResults(null);
      return;
    }
    let stale = false;
    const t = setTimeout(() => {
      api
        .listSessions({ q: query, archived: "all", limit: 100 })
        .then((page) => !stale && (setResults(page.sessions), setError(null), setFocus(0)))
        .catch((e: Error) => !stale && setError(e.message));
    }, 120);
    return () => {
      stale = true;
      clearTimeout(t);
    };
  }, [q]);

  const open = (s: SessionSummary | undefined) => s && navigate(`/sessions/${s.id}`);
  const move = (i: number) => {
    setFocus(i);
    (list.current?.children[i]?.querySelector("a") as HTMLElement | null)?.focus();
  };
  useCommands({
    down: () => results && move(Math.min(results.length - 1, focus + 1)),
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
        placeholder="Search sessions by title or prompt…"
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
      {error ? <p role="alert" className="err">{error}</p> : null}
      {results === null ? (
        <p className="empty">Find any session by what it was asked or called.</p>
      ) : results.length === 0 ? (
        <p className="empty">No sessions match “{q.trim()}”.</p>
      ) : (
        <ol className="results" ref={list} aria-label="Search results">
          {results.map((s, i) => (
            <li key={s.id} className={i === focus ? "focused" : undefined} data-session={s.id}>
              <a
                href={`/sessions/${s.id}`}
                onClick={(e) => {
                  e.preventDefault();
                  open(s);
                }}
                onFocus={() => setFocus(i)}
              >
                <StatusBadge status={s.status} /> <strong>{s.title}</strong>
                <span className="muted">
                  {" "}
                  · {s.agentName ?? ""} · {age(s.createdAt)} ago
                </span>
                <div className="snippet">{s.prompt.slice(0, 240)}</div>
              </a>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

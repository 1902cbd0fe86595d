/**
 * Start a session: prompt, machine (online ones first, with who is online), working directory
 * with the recent ones, model, max turns and advanced options. Submitting lands on the new
 * session, already live — never on a blank screen.
 */
import { useMemo, useRef, useState } from "react";
import { useLocation } from "wouter";
import type { CreateSessionBody } from "../../../worker/protocol/session";
import { SolvedBefore } from "../components/solved-before";
import { api } from "../live/api";
import { workspace } from "../live/workspace-live";
import { useStore } from "../state/store";
import { loadSessions } from "../state/workspace";

export function NewSessionView() {
  const state = useStore(workspace);
  const agents = useMemo(() => [...state.agents.values()].sort((a, b) => Number(b.online) - Number(a.online) || a.name.localeCompare(b.name)), [state.agents]);
  const recentDirs = useMemo(() => {
    const seen = new Set<string>();
    for (const s of [...state.sessions.values()].sort((a, b) => b.createdAt - a.createdAt)) seen.add(s.cwd);
    return [...seen].slice(0, 10);
  }, [state.sessions]);
  const attempt = useRef<{ json: string; key: string } | null>(null);
  const [prompt, setPrompt] = useState("");
  const [agent, setAgent] = useState("");
  const [cwd, setCwd] = useState(recentDirs[0] ?? "");
  const [model, setModel] = useState("");
  const [maxTurns, setMaxTurns] = useState("");
  const [title, setTitle] = useState("");
  const [system, setSystem] = useState("");
  const [allowed, setAllowed] = useState("");
  const [disallowed, setDisallowed] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [, navigate] = useLocation();
  const chosen = agent || agents.find((a) => a.online)?.id || agents[0]?.id || "";

  const submit = async () => {
    setError(null);
    const tools = (s: string) =>
      s
        .split(",")
        .map((t) => t.trim())
        .filter(Boolean);
    const body: CreateSessionBody = {
      prompt,
      cwd,
      ...(chosen ? { agent: chosen } : {}),
      ...(model.trim() ? { model: model.trim() } : {}),
      ...(maxTurns ? { maxTurns: Number(maxTurns) } : {}),
      ...(title.trim() ? { title: title.trim() } : {}),
      ...(system.trim() ? { appendSystemPrompt: system } : {}),
      ...(tools(allowed).length ? { allowedTools: tools(allowed) } : {}),
      ...(tools(disallowed).length ? { disallowedTools: tools(disallowed) } : {}),
    };
    // Submitting the same form again (after a lost reply) reuses its key, so it cannot launch twice.
    const json = JSON.stringify(body);
    if (attempt.current?.json !== json) attempt.current = { json, key: crypto.randomUUID() };
    setBusy(true);
    try {
      const s = await api.createSession(body, attempt.current.key);
      workspace.set((w) => loadSessions(w, [s]));
      navigate(`/sessions/${s.id}`);
    } catch (e) {
      setError((e as Error).message);
      setBusy(false);
    }
  };

  return (
    <section className="view new-session" aria-labelledby="new-h">
      <h1 id="new-h">New session</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <label>
          Prompt
          <textarea
            autoFocus
            required
            rows={6}
            value={prompt}
            onChange={(e) => setPrompt(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
                e.preventDefault();
                void submit();
              }
            }}
            placeholder="What should Claude do? (Ctrl+Enter to start)"
          />
        </label>
        <SolvedBefore prompt={prompt} />
        <div className="row2">
          <label>
            Machine
            <select value={chosen} onChange={(e) => setAgent(e.target.value)} required>
              {agents.length === 0 ? <option value="">No machines enrolled</option> : null}
              {agents.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.online ? "● " : "○ "}
                  {a.name} {a.online ? `(online, ${a.runningSessions}/${a.capacity} busy)` : "(offline)"}
                </option>
              ))}
            </select>
          </label>
          <label>
            Working directory
            <input required list="recent-dirs" value={cwd} onChange={(e) => setCwd(e.target.value)} placeholder="/home/me/project" spellCheck={false} />
            <datalist id="recent-dirs">
              {recentDirs.map((d) => (
                <option key={d} value={d} />
              ))}
            </datalist>
          </label>
        </div>
        <div className="row2">
          <label>
            Model
            <input value={model} onChange={(e) => setModel(e.target.value)} placeholder="default" spellCheck={false} />
          </label>
          <label>
            Max turns
            <input type="number" min={1} max={1000} value={maxTurns} onChange={(e) => setMaxTurns(e.target.value)} placeholder="no limit" />
          </label>
        </div>
        <details>
          <summary>Advanced</summary>
          <label>
            Title
            <input value={title} onChange={(e) => setTitle(e.target.value)} placeholder="from the prompt" />
          </label>
          <label>
            Append to the system prompt
            <textarea rows={3} value={system} onChange={(e) => setSystem(e.target.value)} />
          </label>
          <label>
            Allowed tools (comma-separated)
            <input value={allowed} onChange={(e) => setAllowed(e.target.value)} placeholder="Read, Grep" spellCheck={false} />
          </label>
          <label>
            Disallowed tools (comma-separated)
            <input value={disallowed} onChange={(e) => setDisallowed(e.target.value)} placeholder="Bash" spellCheck={false} />
          </label>
        </details>
        {error ? (
          <p role="alert" className="err">
            {error}
          </p>
        ) : null}
        <button type="submit" className="primary" disabled={busy || !prompt.trim() || !cwd.trim()}>
          {busy ? "Starting…" : "Start session"}
        </button>
      </form>
    </section>
  );
}

/**
 * "Solved before": the past sessions most like this one (or like the prompt being typed), each with
 * how it went — status, cost, files it changed — and one click to open it, fork it, or continue it
 * (offered only when the server says the caller may: it has stopped and they may act on it).
 */
import { useEffect, useState } from "react";
import { useLocation } from "wouter";
import type { SimilarSession } from "../../../worker/protocol/search";
import { api } from "../live/api";
import { toast } from "../live/toasts";
import { money, StatusBadge } from "./status";

export function SolvedBefore({ sessionId, prompt }: { sessionId?: string; prompt?: string }) {
  const [similar, setSimilar] = useState<SimilarSession[] | null>(null);
  const [, navigate] = useLocation();

  useEffect(() => {
    const text = prompt?.trim() ?? "";
    if (!sessionId && text.length < 12) {
      setSimilar(null);
      return;
    }
    let stale = false;
    const t = setTimeout(
      () => {
        const req = sessionId ? api.similarSessions(sessionId, 5) : api.similarToPrompt(text, 5);
        req.then(
          (r) => !stale && setSimilar(r.sessions.filter((s) => s.sessionId !== sessionId)),
          () => !stale && setSimilar(null),
        );
      },
      sessionId ? 0 : 400,
    );
    return () => {
      stale = true;
      clearTimeout(t);
    };
  }, [sessionId, prompt]);

  if (!similar?.length) return null;
  const follow = async (s: SimilarSession, fork: boolean) => {
    const p = window.prompt(fork ? `Fork “${s.title}” with this prompt:` : `Continue “${s.title}” with this prompt:`, prompt ?? "");
    if (!p?.trim()) return;
    try {
      const next = await api.continueSession(s.sessionId, { prompt: p.trim(), fork });
      navigate(`/sessions/${next.id}`);
    } catch (e) {
      toast((e as Error).message, "error");
    }
  };
  return (
    <aside className="panel solved-before" aria-label="Solved before">
      <h2>Solved before</h2>
      <ul>
        {similar.map((s) => (
          <li key={s.sessionId} data-session={s.sessionId}>
            <StatusBadge status={s.status} />{" "}
            <a href={`/sessions/${s.sessionId}`} onClick={(e) => (e.preventDefault(), navigate(`/sessions/${s.sessionId}`))}>
              {s.title}
            </a>
            <span className="muted">
              {" "}
              · {money(s.costUsd)}
              {s.changedFiles.length ? ` · changed ${s.changedFiles.slice(0, 3).join(", ")}${s.changedFiles.length > 3 ? "…" : ""}` : ""}
            </span>
            {s.result ? <div className="muted clamp">{s.result}</div> : null}
            <span className="actions">
              {s.canContinue ? (
                <button type="button" className="link-button" onClick={() => void follow(s, false)}>
                  Continue
                </button>
              ) : null}
              <button type="button" className="link-button" onClick={() => void follow(s, true)}>
                Fork
              </button>
            </span>
          </li>
        ))}
      </ul>
    </aside>
  );
}

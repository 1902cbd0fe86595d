/**
 * Settings › Approval rules: the workspace's rule set as text, checked as it is typed (line and
 * column of each error), a dry run over the recorded approvals of the last days before it is
 * applied, saving on the version it was edited from (a newer one in between is shown, not lost),
 * and the history of versions. Admins write; everyone else reads.
 */
import { useCallback, useEffect, useMemo, useState } from "react";
import { ApiError } from "../../../../worker/protocol/errors";
import type { ReplayResult, RuleSetVersion } from "../../../../worker/protocol/rules";
import { CodeEditor } from "../../components/code-editor";
import { api } from "../../live/api";
import { atLeast, me as meStore } from "../../live/me";
import { toast } from "../../live/toasts";
import { checkRules } from "../../state/rules-source";
import { useStore } from "../../state/store";

const EMPTY = "# Approval rules: see the README's rule format.\nrules: []\n";
type Item = ReplayResult["allow"][number];

function ReplayList({ title, items }: { title: string; items: Item[] }) {
  if (!items.length) return null;
  return (
    <details open>
      <summary>{title}</summary>
      <ul className="replay-list">
        {items.map((i) => (
          <li key={i.approvalId} data-approval={i.approvalId}>
            <strong>{i.toolName}</strong> <code>{i.summary}</code>{" "}
            <span className="muted">
              · {new Date(i.createdAt).toLocaleString()} · actually <span data-actual={i.actual.status}>{i.actual.status}</span>
              {i.actual.decidedBy ? ` by ${i.actual.decidedBy}` : ""}
              {i.actual.via && i.actual.via !== "human" ? ` (${i.actual.via})` : ""}
              {i.actual.comment ? `: ${i.actual.comment}` : ""}
            </span>
          </li>
        ))}
      </ul>
    </details>
  );
}

export function RulesView() {
  const me = useStore(meStore);
  const canWrite = atLeast(me, "admin");
  const [current, setCurrent] = useState<RuleSetVersion | null>(null);
  const [text, setText] = useState("");
  const [history, setHistory] = useState<RuleSetVersion[]>([]);
  const [conflict, setConflict] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [days, setDays] = useState(7);
  const [replay, setReplay] = useState<ReplayResult | null>(null);
  const [busy, setBusy] = useState(false);
  const check = useMemo(() => checkRules(text), [text]);

  const load = useCallback(async () => {
    try {
      const [cur, hist] = await Promise.all([api.getRules(), api.rulesHistory(50)]);
      setCurrent(cur);
      setText(cur.source || EMPTY);
      setHistory(hist.versions);
      setConflict(null);
    } catch (e) {
      setError((e as Error).message);
    }
  }, []);
  useEffect(() => void load(), [load]);

  const save = async () => {
    if (!check.ok || !current) return;
    setBusy(true);
    try {
      const saved = await api.putRules(text, current.version);
      setCurrent(saved);
      setConflict(null);
      setHistory((await api.rulesHistory(50)).versions);
      toast(`Saved the rules as version ${saved.version}.`);
    } catch (e) {
      if (e instanceof ApiError && e.code === "CONFLICT") setConflict(e.message);
      else toast((e as Error).message, "error");
    } finally {
      setBusy(false);
    }
  };

  const dryRun = async () => {
    if (!check.ok) return;
    setBusy(true);
    try {
      setReplay(await api.replayRules({ days, source: text }));
    } catch (e) {
      toast((e as Error).message, "error");
    } finally {
      setBusy(false);
    }
  };

  const changed = current !== null && text !== (current.source || EMPTY);
  return (
    <section className="view rules" aria-labelledby="rules-h">
      <h1 id="rules-h">Approval rules</h1>
      <p className="muted">
        {current
          ? current.version
            ? `Version ${current.version}, saved ${new Date(current.createdAt).toLocaleString()}.`
            : "No rules yet: every call asks a person."
          : "Loading…"}
        {canWrite ? "" : " Only admins change the rules; you can read them and try a dry run."}
      </p>
      {error ? (
        <p role="alert" className="err">
          {error}
        </p>
      ) : null}
      <CodeEditor
        label="Rule set (YAML or JSON)"
        value={text}
        onChange={(v) => {
          setText(v);
          setReplay(null);
        }}
        // Editable once loaded: an edit must know the version it was made on.
        readOnly={!canWrite || current === null}
        rows={Math.min(30, Math.max(8, text.split("\n").length + 1))}
        aria-invalid={!check.ok}
        aria-describedby="rules-check"
      />
      <div id="rules-check" aria-live="polite" data-testid="rules-check">
        {check.ok ? (
          <p className="muted">
            Valid: {check.rules} rule{check.rules === 1 ? "" : "s"}.
          </p>
        ) : (
          <ul className="err">
            {check.issues.map((i) => (
              <li key={`${i.line}:${i.column}:${i.message}`}>
                Line {i.line}, column {i.column}: {i.message}
              </li>
            ))}
          </ul>
        )}
      </div>
      {conflict ? (
        <div role="alert" className="err conflict">
          <p>
            <strong>Conflict:</strong> {conflict}
          </p>
          <button type="button" onClick={() => void load()}>
            Load the latest version (drops your edit)
          </button>
        </div>
      ) : null}
      <div className="actions">
        <label>
          Dry run over the last{" "}
          <input
            type="number"
            min={1}
            max={90}
            value={days}
            onChange={(e) => setDays(Math.max(1, Math.min(90, Number(e.target.value) || 1)))}
            aria-label="Days"
          />{" "}
          days
        </label>
        <button type="button" onClick={() => void dryRun()} disabled={!check.ok || busy}>
          Dry run
        </button>
        {canWrite ? (
          <button type="button" className="primary" onClick={() => void save()} disabled={!check.ok || busy || !changed}>
            Save
          </button>
        ) : null}
      </div>
      {replay ? (
        <section aria-label="Dry run" className="replay" data-testid="replay">
          <p>
            Over {replay.total} recorded call{replay.total === 1 ? "" : "s"} of the last {replay.days} days, these rules would auto-allow{" "}
            <strong data-count="allow">{replay.counts.allow}</strong>, auto-deny <strong data-count="deny">{replay.counts.deny}</strong> and ask about{" "}
            <strong data-count="ask">{replay.counts.ask}</strong>.
          </p>
          {replay.changes.allowedButPersonDenied || replay.changes.deniedButPersonApproved ? (
            <p className="err">
              {replay.changes.allowedButPersonDenied} would be allowed that a person denied; {replay.changes.deniedButPersonApproved} would be denied that a
              person approved.
            </p>
          ) : null}
          <ReplayList title={`Auto-allowed (${replay.counts.allow})`} items={replay.allow} />
          <ReplayList title={`Auto-denied (${replay.counts.deny})`} items={replay.deny} />
          <ReplayList title={`Asked (${replay.counts.ask})`} items={replay.ask} />
          {replay.truncated ? <p className="muted">The lists are cut short; the counts are exact.</p> : null}
        </section>
      ) : null}
      <h2>History</h2>
      {history.length ? (
        <ol className="rules-history" aria-label="Rule versions">
          {history.map((v) => (
            <li key={v.version}>
              Version {v.version} · {v.ruleSet.rules.length} rule{v.ruleSet.rules.length === 1 ? "" : "s"} · {v.authorId ?? "unknown"} ·{" "}
              {new Date(v.createdAt).toLocaleString()}{" "}
              <button type="button" className="link-button" onClick={() => setText(v.source)}>
                {canWrite ? "Edit from this version" : "Show"}
              </button>
            </li>
          ))}
        </ol>
      ) : (
        <p className="muted">No versions yet.</p>
      )}
    </section>
  );
}

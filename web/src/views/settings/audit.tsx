/**
 * The audit log for admins: filter by action, actor and target, page through it, export it as JSON
 * lines, and verify the hash chain (an edited or removed entry shows where the chain breaks).
 */
import { useCallback, useEffect, useState } from "react";
import type { AuditEntry, AuditVerification } from "../../../../worker/protocol/members";
import { api } from "../../live/api";

const PAGE = 100;

export function AuditView() {
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [action, setAction] = useState("");
  const [actor, setActor] = useState("");
  const [target, setTarget] = useState("");
  const [more, setMore] = useState(false);
  const [verification, setVerification] = useState<AuditVerification | null>(null);
  const [error, setError] = useState<string | null>(null);

  const query = useCallback(
    (after: number) => ({
      after,
      limit: PAGE,
      ...(action.trim() ? { action: action.trim() } : {}),
      ...(actor.trim() ? { actor: actor.trim() } : {}),
      ...(target.trim() ? { target: target.trim() } : {}),
    }),
    [action, actor, target],
  );

  const load = useCallback(async () => {
    try {
      const r = await api.listAudit(query(0));
      setEntries(r.entries);
      setMore(r.entries.length === PAGE);
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  }, [query]);
  useEffect(() => {
    const t = setTimeout(() => void load(), 200);
    return () => clearTimeout(t);
  }, [load]);

  const next = async () => {
    const last = entries?.at(-1)?.seq ?? 0;
    const r = await api.listAudit(query(last));
    setEntries([...(entries ?? []), ...r.entries]);
    setMore(r.entries.length === PAGE);
  };

  return (
    <section className="view" aria-labelledby="audit-h">
      <div className="toolbar">
        <h1 id="audit-h">Audit log</h1>
        <button type="button" onClick={() => void api.verifyAudit().then(setVerification, (e: Error) => setError(e.message))}>
          Verify the chain
        </button>
        <a className="button" href="/api/audit/export" download="tower-audit.jsonl">
          Export JSON lines
        </a>
      </div>
      {verification ? (
        <p role="status" className={verification.ok ? "ok" : "err"} data-testid="audit-verification">
          {verification.ok
            ? `Intact: all ${verification.checked} entries chain correctly.`
            : `Broken at entry ${verification.brokenAt}: ${verification.reason}`}
        </p>
      ) : null}
      <div className="toolbar">
        <label>
          <span className="sr-only">Action</span>
          <input value={action} onChange={(e) => setAction(e.target.value)} placeholder="action, e.g. approval.decide" />
        </label>
        <label>
          <span className="sr-only">Actor</span>
          <input value={actor} onChange={(e) => setActor(e.target.value)} placeholder="actor" />
        </label>
        <label>
          <span className="sr-only">Target</span>
          <input value={target} onChange={(e) => setTarget(e.target.value)} placeholder="target" />
        </label>
      </div>
      {error ? (
        <p role="alert" className="err">
          {error}
        </p>
      ) : null}
      {entries === null ? (
        <p className="empty" aria-busy="true">
          Loading the audit log…
        </p>
      ) : entries.length === 0 ? (
        <p className="empty">No entries match.</p>
      ) : (
        <table aria-label="Audit entries" className="audit">
          <thead>
            <tr>
              <th scope="col" className="num seq">
                #
              </th>
              <th scope="col" className="when">
                When
              </th>
              <th scope="col" className="action">
                Action
              </th>
              <th scope="col" className="wide actor">
                Actor
              </th>
              <th scope="col" className="wide target">
                Target
              </th>
              <th scope="col" className="wide">
                Details
              </th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.seq}>
                <td className="num">{e.seq}</td>
                <td>{new Date(e.at).toLocaleString()}</td>
                <td>
                  <code>{e.action}</code>
                  {e.via !== "human" && e.via ? <span className="muted"> ({e.via})</span> : null}
                </td>
                <td className="wide path" title={e.actor}>
                  {e.actor}
                </td>
                <td className="wide path" title={e.target}>
                  {e.target}
                </td>
                <td className="wide details">
                  <code className="muted" title={JSON.stringify(e.details)}>
                    {JSON.stringify(e.details).slice(0, 160)}
                  </code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {more ? (
        <button type="button" className="more" onClick={() => void next()}>
          Older entries
        </button>
      ) : null}
    </section>
  );
}

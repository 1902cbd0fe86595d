/**
 * Pipelines: every run, live (the workspace socket sends each run's whole graph as it changes); a
 * run's graph with each step's status, machine, attempts and session; cancel and re-run the failed
 * steps; and starting a run from YAML, validated first with errors that give line and column.
 */
import { useEffect, useState } from "react";
import { useLocation } from "wouter";
import type { RunView, StepView } from "../../../worker/protocol/pipelines";
import { CodeEditor } from "../components/code-editor";
import { PipelineGraph } from "../components/pipeline-graph";
import { age, money } from "../components/status";
import { api } from "../live/api";
import { toast } from "../live/toasts";
import { workspace } from "../live/workspace-live";
import { runReason } from "../state/rows";
import { useStore } from "../state/store";
import { upsertRuns, visibleRuns } from "../state/workspace";

function RunBadge({ status }: { status: string }) {
  return (
    <span className={`badge run-${status}`} data-status={status}>
      {status}
    </span>
  );
}

export function PipelinesView() {
  const state = useStore(workspace);
  const runs = visibleRuns(state);
  const [starting, setStarting] = useState(false);
  const [, navigate] = useLocation();
  return (
    <section className="view" aria-labelledby="pipelines-h">
      <div className="toolbar">
        <h1 id="pipelines-h">Pipelines</h1>
        <button type="button" className="primary" onClick={() => setStarting(!starting)} aria-expanded={starting}>
          Run a pipeline…
        </button>
      </div>
      {starting ? <StartRun onStarted={(r) => navigate(`/pipelines/${r.id}`)} /> : null}
      {runs.length === 0 ? (
        <p className="empty">No pipeline runs yet.</p>
      ) : (
        <table aria-label="Pipeline runs">
          <thead>
            <tr>
              <th scope="col">Status</th>
              <th scope="col">Pipeline</th>
              <th scope="col">Steps</th>
              <th scope="col" className="num">
                Cost
              </th>
              <th scope="col" className="num">
                Age
              </th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => {
              const done = r.steps.filter((s) => ["succeeded", "failed", "skipped", "cancelled"].includes(s.status)).length;
              return (
                <tr key={r.id} data-run={r.id} onClick={() => navigate(`/pipelines/${r.id}`)}>
                  <td>
                    <RunBadge status={r.status} />
                  </td>
                  <td>
                    <a href={`/pipelines/${r.id}`} onClick={(e) => (e.preventDefault(), navigate(`/pipelines/${r.id}`))}>
                      {r.name}
                    </a>
                    {runReason(r) ? <div className="muted clamp reason">{runReason(r)}</div> : null}
                  </td>
                  <td>
                    {done}/{r.steps.length}
                  </td>
                  <td className="num">{money(r.costUsd)}</td>
                  <td className="num">{age(r.createdAt)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

function parseParams(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^\s*([^=\s]+)\s*=\s*(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!.trim();
  }
  return out;
}

function StartRun({ onStarted }: { onStarted(r: RunView): void }) {
  const [yaml, setYaml] = useState("");
  const [params, setParams] = useState("");
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const body = () => ({ yaml, params: parseParams(params) });
  const validate = async () => {
    try {
      const v = await api.validatePipeline(body());
      setMessage({ ok: true, text: `${v.name}: ${v.steps.length} steps, ready to run.` });
    } catch (e) {
      setMessage({ ok: false, text: (e as Error).message });
    }
  };
  const run = async () => {
    try {
      const r = await api.startPipelineRun(body());
      workspace.set((w) => upsertRuns(w, [r]));
      onStarted(r);
    } catch (e) {
      setMessage({ ok: false, text: (e as Error).message });
    }
  };
  return (
    <form className="panel" onSubmit={(e) => (e.preventDefault(), void run())} aria-label="Run a pipeline">
      <CodeEditor
        label="Pipeline YAML"
        rows={12}
        value={yaml}
        onChange={(v) => (setYaml(v), setMessage(null))}
        placeholder={"name: ship-it\nsteps:\n  build:\n    prompt: Build it\n  test:\n    needs: build\n    prompt: Test {{steps.build.result}}\n"}
      />
      <input type="file" accept=".yaml,.yml,text/yaml" aria-label="Pipeline file" onChange={(e) => void e.target.files?.[0]?.text().then(setYaml)} />
      <label>
        Parameters (one name=value per line)
        <textarea rows={2} value={params} onChange={(e) => setParams(e.target.value)} spellCheck={false} />
      </label>
      {message ? (
        <p role={message.ok ? "status" : "alert"} className={message.ok ? "ok" : "err"} data-testid="pipeline-validation">
          {message.text}
        </p>
      ) : null}
      <div className="actions">
        <button type="button" onClick={() => void validate()} disabled={!yaml.trim()}>
          Validate
        </button>
        <button type="submit" className="primary" disabled={!yaml.trim()}>
          Run
        </button>
      </div>
    </form>
  );
}

function StepBox({ step }: { step: StepView }) {
  const [, navigate] = useLocation();
  return (
    <article className={`step step-${step.status}`} aria-label={`Step ${step.id}: ${step.status}`} data-step={step.id} data-status={step.status}>
      <header>
        <strong>{step.id}</strong> <RunBadge status={step.status} />
      </header>
      <div className="muted">
        {step.agentName ? `on ${step.agentName}` : step.selector.length ? `needs ${step.selector.join(", ")}` : "any machine"}
        {step.maxAttempts > 1 ? ` · attempt ${Math.max(1, step.attempts)}/${step.maxAttempts}` : ""}
        {step.costUsd ? ` · ${money(step.costUsd)}` : ""}
      </div>
      {step.statusReason ? <div className="muted clamp">{step.statusReason}</div> : null}
      {step.sessionId ? (
        <a href={`/sessions/${step.sessionId}`} onClick={(e) => (e.preventDefault(), navigate(`/sessions/${step.sessionId}`))}>
          Open session
        </a>
      ) : null}
    </article>
  );
}

export function PipelineRunView({ id }: { id: string }) {
  const run = useStore(workspace).runs.get(id);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.getPipelineRun(id).then(
      (r) => workspace.set((w) => upsertRuns(w, [r])),
      (e: Error) => setError(e.message),
    );
  }, [id]);
  if (!run) return <p className="empty">{error ?? "Loading run…"}</p>;
  const act = async (what: string, f: () => Promise<RunView>) => {
    try {
      const r = await f();
      workspace.set((w) => upsertRuns(w, [r]));
      toast(what);
    } catch (e) {
      toast((e as Error).message, "error");
    }
  };
  const failed = run.steps.some((s) => s.status === "failed" || s.status === "cancelled");
  return (
    <section className="view" aria-labelledby="run-h">
      <div className="toolbar">
        <RunBadge status={run.status} />
        <h1 id="run-h">{run.name}</h1>
        <span className="muted">
          {money(run.costUsd)} · started {age(run.createdAt)} ago
        </span>
        {run.status === "running" ? (
          <button type="button" className="danger" onClick={() => void act("Cancelling the run", () => api.cancelPipelineRun(run.id))}>
            Cancel
          </button>
        ) : null}
        {run.status !== "running" && failed ? (
          <button type="button" onClick={() => void act("Re-running the failed steps", () => api.retryPipelineRun(run.id))}>
            Re-run failed steps
          </button>
        ) : null}
      </div>
      {run.statusReason ? <p className="muted">{run.statusReason}</p> : null}
      <PipelineGraph steps={run.steps} renderStep={(s) => <StepBox key={s.id} step={s} />} />
    </section>
  );
}

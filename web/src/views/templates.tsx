/**
 * Templates: the team's library of session recipes. The list imports YAML files; a template's page
 * shows a chosen version with every field of its recipe (template-recipe.tsx) and its diff from
 * another version, and a launch form generated from its parameters, checked as you type.
 * Launching lands on the new session; any version can be exported back to YAML.
 */
import { useEffect, useMemo, useState } from "react";
import { useLocation } from "wouter";
import type { Template, TemplateVersionInfo } from "../../../worker/protocol/templates";
import { CodeEditor } from "../components/code-editor";
import { age } from "../components/status";
import { api } from "../live/api";
import { toast } from "../live/toasts";
import { workspace } from "../live/workspace-live";
import { initialValues, isRequired, paramErrors, toParamValues, type FormValues } from "../state/params";
import { useStore } from "../state/store";
import { loadSessions } from "../state/workspace";
import { RecipeFields, VersionDiff } from "./template-recipe";

export function TemplatesView() {
  const [templates, setTemplates] = useState<Template[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [importing, setImporting] = useState(false);
  const [yaml, setYaml] = useState("");
  const [, navigate] = useLocation();
  const load = () =>
    api.listTemplates().then(
      (r) => setTemplates(r.templates),
      (e: Error) => setError(e.message),
    );
  useEffect(() => void load(), []);

  const importYaml = async () => {
    try {
      const r = await api.importTemplate(yaml);
      toast(`${r.template.name}: ${r.outcome === "created" ? "created" : r.outcome === "versioned" ? `version ${r.template.version}` : "unchanged"}`);
      setYaml("");
      setImporting(false);
      await load();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <section className="view" aria-labelledby="templates-h">
      <div className="toolbar">
        <h1 id="templates-h">Templates</h1>
        <button type="button" onClick={() => setImporting(!importing)} aria-expanded={importing}>
          Import YAML…
        </button>
      </div>
      {error ? (
        <p role="alert" className="err">
          {error}
        </p>
      ) : null}
      {importing ? (
        <form className="panel" onSubmit={(e) => (e.preventDefault(), void importYaml())}>
          <CodeEditor
            label="Template YAML (or choose a file)"
            rows={10}
            value={yaml}
            onChange={setYaml}
            placeholder={"name: fix-flaky\nprompt: Fix the flaky test {{test}}\nparams:\n  - name: test\n"}
          />
          <input type="file" accept=".yaml,.yml,text/yaml" aria-label="Template file" onChange={(e) => void e.target.files?.[0]?.text().then(setYaml)} />
          <div className="actions">
            <button type="submit" className="primary" disabled={!yaml.trim()}>
              Import
            </button>
          </div>
        </form>
      ) : null}
      {templates === null ? (
        <p className="empty" aria-busy="true">
          Loading templates…
        </p>
      ) : templates.length === 0 ? (
        <p className="empty">No templates yet. Import a YAML file, or save a session as a template from its page.</p>
      ) : (
        <table aria-label="Templates">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col" className="wide">
                Description
              </th>
              <th scope="col">Version</th>
              <th scope="col" className="wide">
                Parameters
              </th>
              <th scope="col" className="wide">
                Updated
              </th>
            </tr>
          </thead>
          <tbody>
            {templates.map((t) => (
              <tr key={t.id} data-template={t.name} onClick={() => navigate(`/templates/${encodeURIComponent(t.name)}`)}>
                <td>
                  <a
                    href={`/templates/${encodeURIComponent(t.name)}`}
                    onClick={(e) => (e.preventDefault(), navigate(`/templates/${encodeURIComponent(t.name)}`))}
                  >
                    {t.name}
                  </a>
                  {t.visibility === "private" ? <span className="muted"> (private)</span> : null}
                </td>
                <td className="wide">{t.description}</td>
                <td>v{t.latestVersion}</td>
                <td className="wide">{t.recipe.params.map((p) => p.name).join(", ") || "—"}</td>
                <td className="wide">{age(t.updatedAt)} ago</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function TemplateView({ name }: { name: string }) {
  const [template, setTemplate] = useState<Template | null>(null);
  const [versions, setVersions] = useState<TemplateVersionInfo[]>([]);
  const [version, setVersion] = useState<number | undefined>(undefined);
  const [values, setValues] = useState<FormValues>({});
  const [cwd, setCwd] = useState("");
  const [agent, setAgent] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [, navigate] = useLocation();
  const agents = [...useStore(workspace).agents.values()];

  useEffect(() => {
    api.getTemplate(name, version).then(
      (t) => {
        setTemplate(t);
        setValues(initialValues(t.recipe.params));
        setCwd(t.recipe.cwd ?? "");
      },
      (e: Error) => setError(e.message),
    );
  }, [name, version]);
  useEffect(() => {
    api.templateVersions(name).then(
      (r) => setVersions(r.versions),
      () => undefined,
    );
  }, [name]);

  const params = template?.recipe.params ?? [];
  const errors = useMemo(() => paramErrors(params, values), [params, values]);
  const ok = Object.keys(errors).length === 0 && cwd.trim() !== "";

  const launch = async () => {
    if (!template || !ok) return;
    setBusy(true);
    setError(null);
    try {
      const s = await api.launchTemplate(template.name, {
        version: template.version,
        params: toParamValues(params, values),
        cwd: cwd.trim(),
        ...(agent ? { agent } : {}),
      });
      workspace.set((w) => loadSessions(w, [s]));
      navigate(`/sessions/${s.id}`);
    } catch (e) {
      setError((e as Error).message);
      setBusy(false);
    }
  };
  const exportYaml = async () => {
    if (!template) return;
    const r = await api.exportTemplate(template.name, template.version);
    const url = URL.createObjectURL(new Blob([r.yaml], { type: "text/yaml" }));
    const a = Object.assign(document.createElement("a"), { href: url, download: `${r.name}.yaml` });
    a.click();
    URL.revokeObjectURL(url);
  };

  if (!template) return <p className="empty">{error ?? "Loading template…"}</p>;
  return (
    <section className="view narrow-form" aria-labelledby="template-h">
      <div className="toolbar">
        <h1 id="template-h">{template.name}</h1>
        <label>
          <span className="sr-only">Version</span>
          <select value={template.version} onChange={(e) => setVersion(Number(e.target.value))}>
            {(versions.length ? versions : [{ version: template.version, description: "", createdBy: "", createdAt: 0 }]).map((v) => (
              <option key={v.version} value={v.version}>
                v{v.version}
                {v.version === template.latestVersion ? " (latest)" : ""}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => void exportYaml()}>
          Export YAML
        </button>
      </div>
      {template.description ? <p>{template.description}</p> : null}
      <pre className="json" aria-label="Prompt">
        {template.recipe.prompt}
      </pre>
      <RecipeFields recipe={template.recipe} />
      <VersionDiff template={template} versions={versions} />
      <form onSubmit={(e) => (e.preventDefault(), void launch())} aria-label="Launch from this template">
        {params.map((p) => (
          <label key={p.name}>
            {p.name}
            {isRequired(p) ? " *" : ""}
            {p.description ? <span className="muted"> — {p.description}</span> : null}
            {p.type === "boolean" ? (
              <input type="checkbox" checked={values[p.name] === true} onChange={(e) => setValues({ ...values, [p.name]: e.target.checked })} />
            ) : p.values ? (
              <select value={String(values[p.name] ?? "")} onChange={(e) => setValues({ ...values, [p.name]: e.target.value })} aria-invalid={!!errors[p.name]}>
                <option value="">Choose…</option>
                {p.values.map((v) => (
                  <option key={String(v)} value={String(v)}>
                    {String(v)}
                  </option>
                ))}
              </select>
            ) : (
              <input
                value={String(values[p.name] ?? "")}
                inputMode={p.type === "number" ? "decimal" : undefined}
                onChange={(e) => setValues({ ...values, [p.name]: e.target.value })}
                aria-invalid={!!errors[p.name]}
                aria-describedby={errors[p.name] ? `err-${p.name}` : undefined}
              />
            )}
            {errors[p.name] ? (
              <span className="err" id={`err-${p.name}`}>
                {errors[p.name]}
              </span>
            ) : null}
          </label>
        ))}
        <label>
          Working directory
          <input required value={cwd} onChange={(e) => setCwd(e.target.value)} spellCheck={false} />
        </label>
        <label>
          Machine
          <select value={agent} onChange={(e) => setAgent(e.target.value)}>
            <option value="">Any machine the template's labels allow</option>
            {agents.map((a) => (
              <option key={a.id} value={a.id}>
                {a.online ? "● " : "○ "}
                {a.name}
              </option>
            ))}
          </select>
        </label>
        {error ? (
          <p role="alert" className="err">
            {error}
          </p>
        ) : null}
        <button type="submit" className="primary" disabled={!ok || busy}>
          {busy ? "Launching…" : `Launch v${template.version}`}
        </button>
      </form>
    </section>
  );
}

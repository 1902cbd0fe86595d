/**
 * Every field of a template's recipe, shown plainly (the tools it runs without asking, each MCP server
 * with the command it starts, its system prompt, turns, machine selector), and what changed between
 * two versions: whoever launches a template must be able to see everything the launch will run.
 */
import { useEffect, useState } from "react";
import type { Template, TemplateRecipe, TemplateVersionInfo } from "../../../worker/protocol/templates";
import { Diff } from "../components/tools";
import { api } from "../live/api";

/** The recipe as stable text (keys in a fixed order), so a diff shows only real changes. */
export function recipeText(recipe: TemplateRecipe): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v && typeof v === "object"
        ? Object.fromEntries(
            Object.entries(v)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([k, x]) => [k, sort(x)]),
          )
        : v;
  return JSON.stringify(sort(recipe), null, 2);
}

const list = (xs: readonly string[] | undefined) => (xs?.length ? xs.join(", ") : "—");

export function RecipeFields({ recipe }: { recipe: TemplateRecipe }) {
  const servers = Object.entries(recipe.mcpServers ?? {});
  return (
    <dl className="recipe" aria-label="Recipe">
      <dt>Model</dt>
      <dd>{recipe.model ?? "default"}</dd>
      <dt>Max turns</dt>
      <dd>{recipe.maxTurns ?? "no limit"}</dd>
      <dt>Working directory</dt>
      <dd>{recipe.cwd ?? "given at launch"}</dd>
      <dt>Allowed tools (run without approval)</dt>
      <dd>{list(recipe.allowedTools)}</dd>
      <dt>Disallowed tools</dt>
      <dd>{list(recipe.disallowedTools)}</dd>
      <dt>Additional directories</dt>
      <dd>{list(recipe.additionalDirectories)}</dd>
      <dt>Machines</dt>
      <dd>{recipe.selector?.labels.length ? `labelled ${recipe.selector.labels.join(", ")}` : "any machine"}</dd>
      <dt>MCP servers</dt>
      <dd>
        {servers.length ? (
          <ul>
            {servers.map(([name, s]) => (
              <li key={name}>
                <strong>{name}</strong>:{" "}
                {"command" in s ? (
                  <>
                    runs <code>{[s.command, ...(s.args ?? [])].join(" ")}</code> on the machine{s.env ? ` (env ${Object.keys(s.env).join(", ")})` : ""}
                  </>
                ) : (
                  <>
                    {s.type} <code>{s.url}</code>
                  </>
                )}
              </li>
            ))}
          </ul>
        ) : (
          "none"
        )}
      </dd>
      <dt>Appended system prompt</dt>
      <dd>{recipe.appendSystemPrompt ? <pre className="json">{recipe.appendSystemPrompt}</pre> : "none"}</dd>
    </dl>
  );
}

/** What this version changed against another (by default the one before it). */
export function VersionDiff({ template, versions }: { template: Template; versions: TemplateVersionInfo[] }) {
  const others = versions.filter((v) => v.version !== template.version);
  const [against, setAgainst] = useState<number | null>(null);
  const [other, setOther] = useState<Template | null>(null);
  const base = against ?? (template.version > 1 ? template.version - 1 : (others[0]?.version ?? null));
  useEffect(() => {
    setOther(null);
    if (base !== null) api.getTemplate(template.name, base).then(setOther, () => undefined);
  }, [template.name, base]);
  if (base === null) return null;
  return (
    <details className="panel" open>
      <summary>
        Changes from{" "}
        <select aria-label="Compare with version" value={base} onChange={(e) => setAgainst(Number(e.target.value))} onClick={(e) => e.stopPropagation()}>
          {others.map((v) => (
            <option key={v.version} value={v.version}>
              v{v.version}
            </option>
          ))}
        </select>{" "}
        to v{template.version}
      </summary>
      {other ? <Diff before={recipeText(other.recipe)} after={recipeText(template.recipe)} /> : <p className="muted">Loading…</p>}
    </details>
  );
}

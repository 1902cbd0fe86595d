/**
 * A renderer fit for each tool: Bash as a command and its output, Edit/MultiEdit as a diff, Write
 * as a new file, Read/Grep/Glob as what was looked at, TodoWrite as a checklist, sub-agent calls
 * (Task/Agent) with their own conversation nested. Anything else shows its input as JSON.
 */
import { diffLines } from "diff";
import { memo, useEffect, useState, type ReactNode } from "react";
import { toolStatus, type Item, type ToolResult } from "../transcript/build";

type Input = Record<string, unknown>;
const str = (v: unknown): string => (typeof v === "string" ? v : v == null ? "" : JSON.stringify(v, null, 2));

export function Diff({ before, after }: { before: string; after: string }) {
  const parts = diffLines(before, after);
  return (
    <pre className="diff" aria-label="diff">
      {parts.map((p, i) => (
        <span key={i} className={p.added ? "add" : p.removed ? "del" : "ctx"}>
          {p.value
            .replace(/\n$/, "")
            .split("\n")
            .map((l) => `${p.added ? "+" : p.removed ? "-" : " "} ${l}`)
            .join("\n")}
          {"\n"}
        </span>
      ))}
    </pre>
  );
}

function Path({ value }: { value: unknown }) {
  return <code className="path">{str(value)}</code>;
}

/** What the tool is about to do (used in approval cards and in the transcript). */
export function ToolInputView({ name, input }: { name: string; input: Input }): ReactNode {
  switch (name) {
    case "Bash":
      return (
        <div className="tool-bash">
          {input.description ? <div className="muted">{str(input.description)}</div> : null}
          <pre className="cmd">
            <span aria-hidden="true">$ </span>
            {str(input.command)}
          </pre>
        </div>
      );
    case "Edit":
      return (
        <div>
          <Path value={input.file_path} />
          <Diff before={str(input.old_string)} after={str(input.new_string)} />
        </div>
      );
    case "MultiEdit":
      return (
        <div>
          <Path value={input.file_path} />
          {(Array.isArray(input.edits) ? input.edits : []).map((e, i) => (
            <Diff key={i} before={str((e as Input).old_string)} after={str((e as Input).new_string)} />
          ))}
        </div>
      );
    case "Write":
      return (
        <div>
          <span className="muted">new file </span>
          <Path value={input.file_path} />
          <Diff before="" after={str(input.content)} />
        </div>
      );
    case "Read":
      return (
        <div>
          <Path value={input.file_path} />
          {input.offset || input.limit ? (
            <span className="muted">
              {" "}
              lines {str(input.offset ?? 1)}+{str(input.limit ?? "")}
            </span>
          ) : null}
        </div>
      );
    case "Grep":
    case "Glob":
      return (
        <div>
          <code>{str(input.pattern)}</code>
          {input.path ? (
            <>
              <span className="muted"> in </span>
              <Path value={input.path} />
            </>
          ) : null}
          {input.glob ? <span className="muted"> ({str(input.glob)})</span> : null}
        </div>
      );
    case "TodoWrite":
      return (
        <ul className="todos" aria-label="todo list">
          {(Array.isArray(input.todos) ? input.todos : []).map((t, i) => {
            const todo = t as Input;
            return (
              <li key={i} data-state={str(todo.status)}>
                <span aria-hidden="true">{todo.status === "completed" ? "☑" : todo.status === "in_progress" ? "◐" : "☐"}</span>{" "}
                <span className="sr-only">{str(todo.status)}: </span>
                {str(todo.content)}
              </li>
            );
          })}
        </ul>
      );
    case "Task":
    case "Agent":
      return (
        <div className="muted">
          {str(input.description ?? input.subagent_type)}: {str(input.prompt).slice(0, 400)}
        </div>
      );
    default:
      return <pre className="json">{JSON.stringify(input, null, 2)}</pre>;
  }
}

const LONG = 1200;

function ResultView({ result }: { result: ToolResult }) {
  const [all, setAll] = useState(false);
  const text = all || result.text.length <= LONG ? result.text : `${result.text.slice(0, LONG)}…`;
  return (
    <div className={result.isError ? "result error" : "result"}>
      <pre>{text || <span className="muted">(no output)</span>}</pre>
      {result.text.length > LONG ? (
        <button type="button" className="link-button" onClick={() => setAll(!all)}>
          {all ? "Show less" : `Show all ${result.text.length.toLocaleString()} characters`}
        </button>
      ) : null}
    </div>
  );
}

/** The clock, ticking each second while `on` (an approval's "expires in" counts down). */
function useNowWhile(on: boolean): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    if (!on) return;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [on]);
  return on ? now : Date.now();
}

export const ToolCall = memo(function ToolCall({ item, renderChild }: { item: Extract<Item, { kind: "tool" }>; renderChild: (i: Item) => ReactNode }) {
  const [open, setOpen] = useState(true);
  const now = useNowWhile(item.result === null && item.approval?.status === "pending");
  const status = toolStatus(item, now);
  return (
    <section className={`tool tool-${item.name}`} aria-label={`${item.name} tool call`} data-tool-state={status.state}>
      <header>
        <button type="button" className="tool-name" aria-expanded={open} onClick={() => setOpen(!open)}>
          {item.name}
        </button>
        {status.text ? <span className={status.state === "error" ? "err" : status.state === "waiting" ? "warn" : "muted"}> {status.text}</span> : null}
      </header>
      {open ? (
        <>
          <ToolInputView name={item.name} input={item.input} />
          {item.children.length > 0 ? (
            <div className="subagent">
              {item.children.map((c) => (
                <div key={c.key}>{renderChild(c)}</div>
              ))}
            </div>
          ) : null}
          {item.result && item.name !== "TodoWrite" ? <ResultView result={item.result} /> : null}
        </>
      ) : null}
    </section>
  );
});

/**
 * A small code editor for YAML and JSON: a plain textarea in a monospace font, unwrapped, beside a
 * line-number gutter that scrolls with it. No editor library, so the first load stays small; what it
 * gives up (highlighting, folding) matters less than line numbers that match the server's errors.
 */
import { useId, useRef, type TextareaHTMLAttributes } from "react";

type Props = Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, "value" | "onChange" | "id"> & {
  label: React.ReactNode;
  value: string;
  onChange(value: string): void;
};

export function CodeEditor({ label, value, onChange, onScroll, className, ...rest }: Props) {
  const id = useId();
  const gutter = useRef<HTMLPreElement>(null);
  const lines = Math.max(1, value.split("\n").length);
  return (
    <div className={className ? `code-field ${className}` : "code-field"}>
      <label htmlFor={id}>{label}</label>
      <div className="code-editor">
        <pre className="gutter" ref={gutter} aria-hidden="true" data-testid="line-numbers" style={{ width: `calc(${String(lines).length}ch + 20px)` }}>
          {Array.from({ length: lines }, (_, i) => i + 1).join("\n")}
        </pre>
        <textarea
          {...rest}
          id={id}
          value={value}
          wrap="off"
          spellCheck={false}
          autoCapitalize="off"
          autoCorrect="off"
          onChange={(e) => onChange(e.target.value)}
          onScroll={(e) => {
            if (gutter.current) gutter.current.scrollTop = e.currentTarget.scrollTop;
            onScroll?.(e);
          }}
        />
      </div>
    </div>
  );
}

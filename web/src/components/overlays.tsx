/**
 * The command palette (Cmd/Ctrl+K: every command and the recent sessions, filtered as you type)
 * and the help overlay (`?`: every shortcut, read from the one key table).
 */
import { useEffect, useMemo, useRef, useState } from "react";
import { BINDINGS, describeKeys, type Command } from "../keys/keymap";
import { useCommands } from "../keys/commands";

export interface PaletteEntry {
  id: string;
  label: string;
  hint?: string;
  run(): void;
}

/** A modal dialog: Escape or a click outside closes it, and focus returns where it was. `sheet` docks it to the bottom on a phone. */
export function Dialog({ label, onClose, children, sheet }: { label: string; onClose(): void; children: React.ReactNode; sheet?: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  useCommands({ back: onClose });
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    return () => before?.focus?.();
  }, []);
  return (
    <div className={sheet ? "backdrop sheet" : "backdrop"} onClick={onClose}>
      <div className="dialog" role="dialog" aria-modal="true" aria-label={label} ref={ref} onClick={(e) => e.stopPropagation()}>
        {children}
      </div>
    </div>
  );
}

export function Palette({ entries, onClose }: { entries: PaletteEntry[]; onClose(): void }) {
  const [q, setQ] = useState("");
  const [i, setI] = useState(0);
  const shown = useMemo(() => {
    const words = q.toLowerCase().split(/\s+/).filter(Boolean);
    return entries.filter((e) => words.every((w) => e.label.toLowerCase().includes(w))).slice(0, 30);
  }, [q, entries]);
  const run = (e: PaletteEntry | undefined) => {
    if (!e) return;
    onClose();
    e.run();
  };
  return (
    <Dialog label="Command palette" onClose={onClose}>
      <input
        autoFocus
        className="palette-input"
        aria-label="Type a command or a session title"
        aria-controls="palette-list"
        aria-activedescendant={shown[i] ? `pal-${shown[i]!.id}` : undefined}
        value={q}
        onChange={(e) => (setQ(e.target.value), setI(0))}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown") e.preventDefault(), setI(Math.min(shown.length - 1, i + 1));
          if (e.key === "ArrowUp") e.preventDefault(), setI(Math.max(0, i - 1));
          if (e.key === "Enter") e.preventDefault(), run(shown[i]);
        }}
      />
      <ul id="palette-list" role="listbox" aria-label="Commands and sessions" className="palette-list">
        {shown.map((e, n) => (
          <li key={e.id} id={`pal-${e.id}`} role="option" aria-selected={n === i} className={n === i ? "focused" : undefined} onClick={() => run(e)}>
            {e.label}
            {e.hint ? <kbd>{e.hint}</kbd> : null}
          </li>
        ))}
        {shown.length === 0 ? <li className="muted">Nothing matches.</li> : null}
      </ul>
    </Dialog>
  );
}

export function Help({ onClose, mac }: { onClose(): void; mac: boolean }) {
  return (
    <Dialog label="Keyboard shortcuts" onClose={onClose}>
      <h2>Keyboard shortcuts</h2>
      <table className="keys">
        <tbody>
          {BINDINGS.map((b) => (
            <tr key={b.command}>
              <td>
                {b.keys.map((k) => (
                  <kbd key={k}>{describeKeys(k, mac)}</kbd>
                ))}
              </td>
              <td>{b.label}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" onClick={onClose} autoFocus>
        Close
      </button>
    </Dialog>
  );
}

export function keyHint(command: Command, mac: boolean): string | undefined {
  const k = BINDINGS.find((b) => b.command === command)?.keys[0];
  return k ? describeKeys(k, mac) : undefined;
}

/**
 * Every keyboard shortcut in one table (the help overlay and the command palette read it too),
 * and a pure resolver from key presses to commands that understands two-key sequences (`g s`).
 * Single keys never fire while the user types in a field; Ctrl/Cmd chords do.
 */
export type Command =
  | "new-session"
  | "search"
  | "down"
  | "up"
  | "open"
  | "back"
  | "approve"
  | "deny"
  | "select"
  | "archive"
  | "interrupt"
  | "go-sessions"
  | "go-approvals"
  | "go-machines"
  | "go-templates"
  | "go-pipelines"
  | "palette"
  | "help";

export interface Binding {
  command: Command;
  /** Keys as typed: "c", "g s", "Ctrl+x", "Mod+k" (Mod = Cmd on macOS, Ctrl elsewhere). */
  keys: string[];
  label: string;
}

export const BINDINGS: readonly Binding[] = [
  { command: "new-session", keys: ["c"], label: "New session" },
  { command: "search", keys: ["/"], label: "Search" },
  { command: "down", keys: ["j", "ArrowDown"], label: "Move down" },
  { command: "up", keys: ["k", "ArrowUp"], label: "Move up" },
  { command: "open", keys: ["Enter"], label: "Open the focused item" },
  { command: "back", keys: ["Escape"], label: "Back / close" },
  { command: "approve", keys: ["a"], label: "Approve the focused approval" },
  { command: "deny", keys: ["d"], label: "Deny the focused approval" },
  { command: "select", keys: ["x"], label: "Select the focused session" },
  { command: "archive", keys: ["e"], label: "Archive (or restore) the selected sessions" },
  { command: "interrupt", keys: ["Ctrl+x"], label: "Interrupt the session" },
  { command: "go-sessions", keys: ["g s"], label: "Go to sessions" },
  { command: "go-approvals", keys: ["g a"], label: "Go to approvals" },
  { command: "go-machines", keys: ["g m"], label: "Go to machines" },
  { command: "go-templates", keys: ["g t"], label: "Go to templates" },
  { command: "go-pipelines", keys: ["g p"], label: "Go to pipelines" },
  { command: "palette", keys: ["Mod+k"], label: "Command palette" },
  { command: "help", keys: ["?"], label: "Keyboard shortcuts" },
];

export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  /** True when focus is in a text field, where plain keys belong to the field. */
  inField: boolean;
}

/** "Ctrl+x" / "Mod+k" / "g" for one press, as the table spells it. */
function spell(p: KeyPress, mac: boolean): string[] {
  const key = p.key.length === 1 ? p.key.toLowerCase() : p.key;
  if (p.altKey) return [];
  const mod = mac ? p.metaKey : p.ctrlKey;
  const out: string[] = [];
  if (mod) out.push(`Mod+${key}`);
  if (p.ctrlKey) out.push(`Ctrl+${key}`);
  if (!p.ctrlKey && !p.metaKey) out.push(p.key.length === 1 ? p.key : key);
  return out;
}

export interface Resolved {
  command: Command | null;
  /** The first key of a sequence waiting for its second ("g"), or null. */
  pending: string | null;
}

export function resolveKey(p: KeyPress, pending: string | null, mac = false): Resolved {
  const spelled = spell(p, mac);
  const plain = !p.ctrlKey && !p.metaKey && !p.altKey;
  // In a text field only chords and Escape act; typing "c" must type a "c".
  if (p.inField && plain && p.key !== "Escape") return { command: null, pending: null };
  if (pending) {
    const seq = spelled.map((s) => `${pending} ${s}`);
    const hit = BINDINGS.find((b) => b.keys.some((k) => seq.includes(k)));
    if (hit) return { command: hit.command, pending: null };
  }
  const hit = BINDINGS.find((b) => b.keys.some((k) => spelled.includes(k)));
  if (hit) return { command: hit.command, pending: null };
  const starts = plain && BINDINGS.some((b) => b.keys.some((k) => k.startsWith(`${p.key} `)));
  return { command: null, pending: starts ? p.key : null };
}

/** How a binding's keys read in the help overlay. */
export function describeKeys(keys: string, mac: boolean): string {
  return keys
    .replace("Mod+", mac ? "⌘" : "Ctrl+")
    .replace("ArrowDown", "↓")
    .replace("ArrowUp", "↑")
    .replace("Escape", "Esc")
    .replace(/^([a-z]) ([a-z])$/, "$1 then $2");
}

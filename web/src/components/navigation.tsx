/**
 * The main destinations, drawn twice from one list: a row of links in the top bar on a wide screen,
 * and on a phone a bottom tab bar (the four most used, with the approvals count) whose "More" opens a
 * sheet with the rest. CSS shows one or the other, so both keep the same names for tests and readers.
 */
import type { ReactNode } from "react";
import { Link } from "wouter";
import { Dialog } from "./overlays";

export type Theme = "system" | "light" | "dark";

export interface Destination {
  href: string;
  label: string;
  /** Which addresses count as being there. */
  matches(location: string): boolean;
  /** In the phone's tab bar; the rest live under More. */
  tab: boolean;
}

const prefix = (p: string) => (l: string) => l === p || l.startsWith(`${p}/`);
export const DESTINATIONS: readonly Destination[] = [
  { href: "/sessions", label: "Sessions", matches: prefix("/sessions"), tab: true },
  { href: "/approvals", label: "Approvals", matches: prefix("/approvals"), tab: true },
  { href: "/machines", label: "Machines", matches: prefix("/machines"), tab: false },
  { href: "/templates", label: "Templates", matches: prefix("/templates"), tab: false },
  { href: "/pipelines", label: "Pipelines", matches: prefix("/pipelines"), tab: false },
  { href: "/search", label: "Search", matches: prefix("/search"), tab: true },
  { href: "/settings/members", label: "Settings", matches: prefix("/settings"), tab: false },
];

export function NavLink({ d, location, pendingCount, onClick }: { d: Destination; location: string; pendingCount: number; onClick?: () => void }) {
  return (
    <Link href={d.href} aria-current={d.matches(location) ? "page" : undefined} onClick={onClick}>
      {d.label}
      {d.href === "/approvals" && pendingCount ? (
        <span className="count" aria-label={`${pendingCount} pending`}>
          {pendingCount}
        </span>
      ) : null}
    </Link>
  );
}

/** The phone's navigation: hidden on a wide screen by CSS. */
export function TabBar({ location, pendingCount, onMore }: { location: string; pendingCount: number; onMore(): void }) {
  const elsewhere = !DESTINATIONS.some((d) => d.tab && d.matches(location)) && location !== "/new";
  return (
    <nav aria-label="Main" className="tab-bar">
      {DESTINATIONS.filter((d) => d.tab).map((d) => (
        <NavLink key={d.href} d={d} location={location} pendingCount={pendingCount} />
      ))}
      <Link href="/new" aria-current={location === "/new" ? "page" : undefined}>
        New
      </Link>
      <button type="button" onClick={onMore} aria-haspopup="dialog" aria-current={elsewhere ? "page" : undefined}>
        More
      </button>
    </nav>
  );
}

export function MoreSheet({
  location,
  onClose,
  onHelp,
  onSignOut,
  children,
}: {
  location: string;
  onClose(): void;
  onHelp(): void;
  onSignOut(): void;
  children: ReactNode;
}) {
  return (
    <Dialog label="More" onClose={onClose} sheet>
      <ul className="more-list">
        {DESTINATIONS.filter((d) => !d.tab).map((d) => (
          <li key={d.href}>
            <NavLink d={d} location={location} pendingCount={0} onClick={onClose} />
          </li>
        ))}
      </ul>
      <div className="more-tools">{children}</div>
      <div className="actions">
        <button type="button" onClick={onHelp}>
          Keyboard shortcuts
        </button>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}

export function ThemeSelect({ theme, setTheme }: { theme: Theme; setTheme(t: Theme): void }) {
  return (
    <label className="theme">
      <span className="sr-only">Theme</span>
      <select value={theme} onChange={(e) => setTheme(e.target.value as Theme)}>
        <option value="system">System</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </label>
  );
}

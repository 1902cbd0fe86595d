/**
 * The app shell: sign-in gate, navigation with the live connection indicator and the approvals
 * count, global keyboard shortcuts, the command palette and help overlay, theme, and the routes.
 * Every screen is a lazy chunk (routes.tsx); this file and what it imports are the first load's shell.
 */
import { Suspense, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Link, Redirect, Route, Switch, useLocation, useRouter } from "wouter";
import type { Me } from "../../worker/protocol/members";
import { ConnectionIndicator } from "./components/status";
import { DESTINATIONS, MoreSheet, NavLink, TabBar, ThemeSelect, type Theme } from "./components/navigation";
import { Help, keyHint, Palette, type PaletteEntry } from "./components/overlays";
import { dispatch, useCommands } from "./keys/commands";
import { resolveKey } from "./keys/keymap";
import { api } from "./live/api";
import { toast, toasts } from "./live/toasts";
import { hubStatus, sessionLink, startWorkspaceLive, stopWorkspaceLive, workspace, type LinkStatus } from "./live/workspace-live";
import { startAttentionBadge } from "./live/attention";
import { listenToServiceWorker } from "./live/push";
import { useStore } from "./state/store";
import { pendingApprovals } from "./state/workspace";
import { me as meStore } from "./live/me";
import { LoadBoundary } from "./components/load-boundary";
import { JoinView, preloadAllWhenIdle, preloadRoute, SHELL_ROUTES, SignInView, SwitchAccountPrompt } from "./routes";

const MAC = /Mac|iPhone|iPad/.test(navigator.platform);
const WORST: LinkStatus[] = ["offline", "reconnecting", "live"];

function useTheme(): [Theme, (t: Theme) => void] {
  const [theme, setTheme] = useState<Theme>(() => {
    const saved = localStorage.getItem("tower.theme");
    return saved === "light" || saved === "dark" ? saved : "system";
  });
  useEffect(() => {
    if (theme === "system") {
      delete document.documentElement.dataset.theme;
      localStorage.removeItem("tower.theme");
    } else {
      document.documentElement.dataset.theme = theme;
      localStorage.setItem("tower.theme", theme);
    }
  }, [theme]);
  return [theme, setTheme];
}

function isField(el: Element | null): boolean {
  return (
    !!el && (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement || (el as HTMLElement).isContentEditable)
  );
}

/** One window-level listener turns key presses into commands (see keys/keymap.ts). */
function useKeyboard(): void {
  const pending = useRef<{ key: string; at: number } | null>(null);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.isComposing) return;
      const held = pending.current && Date.now() - pending.current.at < 1500 ? pending.current.key : null;
      const r = resolveKey({ key: e.key, ctrlKey: e.ctrlKey, metaKey: e.metaKey, altKey: e.altKey, inField: isField(document.activeElement) }, held, MAC);
      pending.current = r.pending ? { key: r.pending, at: Date.now() } : null;
      if (r.command && dispatch(r.command)) e.preventDefault();
      else if (r.command === "back" && isField(document.activeElement)) (document.activeElement as HTMLElement).blur();
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, []);
}

/** Several workspaces: switching signs this browser into the other one and reloads its data. */
function WorkspaceSwitcher({ me }: { me: Me }) {
  if (me.workspaces.length < 2) return null;
  const switchTo = async (workspaceId: string) => {
    try {
      const issued = await api.switchWorkspace(workspaceId);
      await api.signInWithToken(issued.token);
      location.assign("/sessions");
    } catch (e) {
      toast(`Could not switch: ${(e as Error).message}`, "error");
    }
  };
  return (
    <label className="switcher">
      <span className="sr-only">Workspace</span>
      <select value={me.workspaceId} onChange={(e) => void switchTo(e.target.value)}>
        {me.workspaces.map((w) => (
          <option key={w.workspaceId} value={w.workspaceId}>
            {w.name} ({w.role})
          </option>
        ))}
      </select>
    </label>
  );
}

function Shell({ me, onSignOut }: { me: Me; onSignOut(): void }) {
  const [location, navigate] = useLocation();
  const hub = useStore(hubStatus);
  const session = useStore(sessionLink);
  const state = useStore(workspace);
  const notes = useStore(toasts);
  const [overlay, setOverlay] = useState<"palette" | "help" | "more" | null>(null);
  const [theme, setTheme] = useTheme();
  const link = session ? WORST.find((s) => s === hub || s === session)! : hub;
  const pendingCount = pendingApprovals(state).length;

  useEffect(() => {
    startWorkspaceLive();
    return stopWorkspaceLive;
  }, []);
  useEffect(startAttentionBadge, []);
  useEffect(() => preloadAllWhenIdle(), []);
  useEffect(() => listenToServiceWorker(navigate), [navigate]);
  useKeyboard();
  const close = useCallback(() => setOverlay(null), []);

  useCommands({
    "new-session": () => navigate("/new"),
    search: () => navigate("/search"),
    "go-sessions": () => navigate("/sessions"),
    "go-approvals": () => navigate("/approvals"),
    "go-machines": () => navigate("/machines"),
    "go-templates": () => navigate("/templates"),
    "go-pipelines": () => navigate("/pipelines"),
    palette: () => setOverlay("palette"),
    help: () => setOverlay("help"),
    back: () => (location.startsWith("/sessions/") ? navigate("/sessions") : location !== "/sessions" ? history.back() : undefined),
  });

  const entries = useMemo<PaletteEntry[]>(() => {
    const cmds: PaletteEntry[] = [
      { id: "new", label: "New session", hint: keyHint("new-session", MAC), run: () => navigate("/new") },
      { id: "sessions", label: "Go to sessions", hint: keyHint("go-sessions", MAC), run: () => navigate("/sessions") },
      { id: "approvals", label: "Go to approvals", hint: keyHint("go-approvals", MAC), run: () => navigate("/approvals") },
      { id: "machines", label: "Go to machines", hint: keyHint("go-machines", MAC), run: () => navigate("/machines") },
      { id: "templates", label: "Go to templates", hint: keyHint("go-templates", MAC), run: () => navigate("/templates") },
      { id: "pipelines", label: "Go to pipelines", hint: keyHint("go-pipelines", MAC), run: () => navigate("/pipelines") },
      { id: "search", label: "Search sessions", hint: keyHint("search", MAC), run: () => navigate("/search") },
      { id: "help", label: "Keyboard shortcuts", hint: keyHint("help", MAC), run: () => setOverlay("help") },
      { id: "theme-light", label: "Theme: light", run: () => setTheme("light") },
      { id: "theme-dark", label: "Theme: dark", run: () => setTheme("dark") },
      { id: "theme-system", label: "Theme: system", run: () => setTheme("system") },
      { id: "members", label: "Settings: members and invitations", run: () => navigate("/settings/members") },
      { id: "tokens", label: "Settings: API tokens", run: () => navigate("/settings/tokens") },
      { id: "rules", label: "Settings: approval rules", run: () => navigate("/settings/rules") },
      { id: "audit", label: "Settings: audit log", run: () => navigate("/settings/audit") },
      { id: "signout", label: "Sign out", run: onSignOut },
    ];
    const recent = [...state.sessions.values()]
      .sort((a, b) => b.updatedAt - a.updatedAt)
      .slice(0, 20)
      .map((s) => ({ id: s.id, label: `Open: ${s.title}`, run: () => navigate(`/sessions/${s.id}`) }));
    return [...cmds, ...recent];
  }, [state.sessions, navigate, setTheme, onSignOut]);

  return (
    <>
      <a href="#main" className="skip">
        Skip to content
      </a>
      <header className="top">
        <Link href="/sessions" className="brand">
          Tower
        </Link>
        <nav aria-label="Main" className="top-nav">
          {DESTINATIONS.map((d) => (
            <NavLink key={d.href} d={d} location={location} pendingCount={pendingCount} />
          ))}
        </nav>
        <span className="spacer" />
        <WorkspaceSwitcher me={me} />
        <ConnectionIndicator status={link} />
        <Link href="/new" className="button primary new">
          New <kbd>c</kbd>
        </Link>
        <ThemeSelect theme={theme} setTheme={setTheme} />
        <button type="button" className="icon" onClick={() => setOverlay("help")} aria-label="Keyboard shortcuts" title={me.user?.name ?? ""}>
          ?
        </button>
      </header>
      <main id="main">
        <LoadBoundary at={location}>
          <Suspense fallback={LOADING}>
            <Switch>
              {SHELL_ROUTES.map((r) => (
                <Route key={r.path} path={r.path}>
                  {(p) => r.render(p)}
                </Route>
              ))}
              <Route>
                <p className="empty">
                  Nothing here. Press <kbd>g</kbd> <kbd>s</kbd> for sessions.
                </p>
              </Route>
            </Switch>
          </Suspense>
        </LoadBoundary>
      </main>
      <div className="toasts" role="status" aria-live="polite">
        {notes.map((t) => (
          <div key={t.id} className={`toast ${t.tone}`}>
            {t.text}
          </div>
        ))}
      </div>
      <TabBar location={location} pendingCount={pendingCount} onMore={() => setOverlay("more")} />
      {overlay === "palette" ? <Palette entries={entries} onClose={close} /> : null}
      {overlay === "help" ? <Help onClose={close} mac={MAC} /> : null}
      {overlay === "more" ? (
        <MoreSheet location={location} onClose={close} onHelp={() => setOverlay("help")} onSignOut={onSignOut}>
          <WorkspaceSwitcher me={me} />
          <ThemeSelect theme={theme} setTheme={setTheme} />
        </MoreSheet>
      ) : null}
    </>
  );
}

const LOADING = (
  <p className="empty" aria-busy="true">
    Loading…
  </p>
);

export function App() {
  const { parser } = useRouter();
  const [location] = useLocation();
  // The screen's chunk downloads beside the sign-in check (api.me), not after it.
  useEffect(() => preloadRoute(parser, location), [parser, location]);
  return (
    <LoadBoundary at={location}>
      <Suspense fallback={LOADING}>
        <Gate />
      </Suspense>
    </LoadBoundary>
  );
}

/** Who may see what: the join and sign-in screens, the switch-account prompt, or the shell. */
function Gate() {
  const [me, setMe] = useState<Me | null | "anonymous">(null);
  const [location, navigate] = useLocation();
  const [switchConfirmed, setSwitchConfirmed] = useState(false);
  const check = useCallback(() => {
    api.me().then(setMe, () => setMe("anonymous"));
  }, []);
  useEffect(check, [check]);
  useEffect(() => meStore.set(me === "anonymous" ? null : me), [me]);

  const signIn = (
    <SignInView
      onSignedIn={() => {
        navigate("/sessions");
        api.me().then(setMe, () => setMe("anonymous"));
      }}
    />
  );
  if (location === "/join") {
    if (me === null) return LOADING;
    return <JoinView me={me === "anonymous" ? null : me} onSignedIn={() => (navigate("/sessions"), check())} onSignedOut={() => setMe("anonymous")} />;
  }
  if (location === "/signin" && /^#token=/.test(window.location.hash)) {
    // A sign-in link over an existing session asks first: someone else's link must never silently
    // switch this browser to their account (login CSRF).
    if (me === null) return LOADING;
    if (me !== "anonymous" && !switchConfirmed) {
      return (
        <SwitchAccountPrompt
          me={me}
          onSwitch={() => setSwitchConfirmed(true)}
          onStay={() => {
            history.replaceState(null, "", "/sessions");
            navigate("/sessions");
          }}
        />
      );
    }
    return signIn;
  }
  if (me === null) return LOADING;
  if (me === "anonymous") return location === "/signin" ? signIn : <Redirect to="/signin" />;
  if (location === "/signin") return <Redirect to="/sessions" />;
  return (
    <Shell
      me={me}
      onSignOut={() => {
        void api.signOut().finally(() => setMe("anonymous"));
      }}
    />
  );
}

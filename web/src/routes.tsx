/**
 * Every screen of the app as a lazy chunk, in one table that both renders the routes (app.tsx) and
 * fetches the current route's chunk while the sign-in check is still in flight, so the first load
 * carries only the shell (bench/first-load.ts counts the home route on top) and never waits on a
 * second round trip. Once a screen shows, the others are fetched when the browser is idle, so moving
 * around is instant and the service worker has them cached for offline use.
 */
import { type ComponentType, lazy, type LazyExoticComponent, type ReactNode } from "react";
import { matchRoute, Redirect, type Parser } from "wouter";

/** A lazy component whose chunk can be fetched before it renders; a failed fetch is retried next time. */
export type LazyView<P> = LazyExoticComponent<ComponentType<P>> & { preload(): Promise<unknown> };

function lazyView<P>(load: () => Promise<ComponentType<P>>): LazyView<P> {
  let pending: Promise<{ default: ComponentType<P> }> | undefined;
  const start = () =>
    (pending ??= load().then(
      (C) => ({ default: C }),
      (e: unknown) => {
        pending = undefined;
        throw e;
      },
    ));
  return Object.assign(lazy(start), { preload: start });
}

// biome-ignore lint/complexity/noBannedTypes: screens without props
type NoProps = {};
export const SessionsView = lazyView<NoProps>(() => import("./views/sessions").then((m) => m.SessionsView));
const SessionView = lazyView<{ id: string }>(() => import("./views/session").then((m) => m.default));
const ApprovalsView = lazyView<NoProps>(() => import("./views/approvals").then((m) => m.ApprovalsView));
const MachinesView = lazyView<NoProps>(() => import("./views/machines").then((m) => m.MachinesView));
const SearchView = lazyView<NoProps>(() => import("./views/search").then((m) => m.SearchView));
const NewSessionView = lazyView<NoProps>(() => import("./views/new-session").then((m) => m.NewSessionView));
const DeviceView = lazyView<NoProps>(() => import("./views/device").then((m) => m.DeviceView));
const TemplatesView = lazyView<NoProps>(() => import("./views/templates").then((m) => m.TemplatesView));
const TemplateView = lazyView<{ name: string }>(() => import("./views/templates").then((m) => m.TemplateView));
const PipelinesView = lazyView<NoProps>(() => import("./views/pipelines").then((m) => m.PipelinesView));
const PipelineRunView = lazyView<{ id: string }>(() => import("./views/pipelines").then((m) => m.PipelineRunView));
const SettingsView = lazyView<NoProps>(() => import("./views/settings").then((m) => m.SettingsView));
/** Outside the shell: shown before sign-in (app.tsx renders them itself). */
export const SignInView = lazyView<{ onSignedIn(): void }>(() => import("./views/signin").then((m) => m.SignInView));
/** A sign-in link opened in a browser already signed in asks first (it lives with the sign-in screen). */
export const SwitchAccountPrompt = lazyView<Parameters<typeof import("./views/signin").SwitchAccountPrompt>[0]>(() =>
  import("./views/signin").then((m) => m.SwitchAccountPrompt),
);
export const JoinView = lazyView<Parameters<typeof import("./views/join").JoinView>[0]>(() => import("./views/join").then((m) => m.JoinView));

type Params = Record<string, string | undefined>;
/** A route of the shell: what it renders, and the chunk to fetch ahead for it. */
export type ShellRoute = { path: string; view: LazyView<never>; render(p: Params): ReactNode };

const plain = (path: string, View: LazyView<NoProps>): ShellRoute => ({ path, view: View as LazyView<never>, render: () => <View /> });

export const SHELL_ROUTES: ShellRoute[] = [
  plain("/sessions", SessionsView),
  { path: "/sessions/:id", view: SessionView as LazyView<never>, render: (p) => <SessionView key={p.id} id={p.id!} /> },
  plain("/approvals", ApprovalsView),
  plain("/machines", MachinesView),
  plain("/search", SearchView),
  plain("/new", NewSessionView),
  plain("/device", DeviceView),
  plain("/templates", TemplatesView),
  { path: "/templates/:name", view: TemplateView as LazyView<never>, render: (p) => <TemplateView key={p.name} name={decodeURIComponent(p.name!)} /> },
  plain("/pipelines", PipelinesView),
  { path: "/pipelines/:id", view: PipelineRunView as LazyView<never>, render: (p) => <PipelineRunView key={p.id} id={p.id!} /> },
  plain("/settings", SettingsView),
  plain("/settings/*", SettingsView),
  // The home screen: its chunk is fetched ahead for `/` too.
  { path: "/", view: SessionsView as LazyView<never>, render: () => <Redirect to="/sessions" /> },
];

const OPEN_ROUTES: { path: string; view: LazyView<never> }[] = [
  { path: "/signin", view: SignInView as LazyView<never> },
  { path: "/join", view: JoinView as LazyView<never> },
];

/** Starts fetching the chunk of the screen at `path` (matched with wouter's own parser, as the routes are). */
export function preloadRoute(parser: Parser, path: string): void {
  const route = [...OPEN_ROUTES, ...SHELL_ROUTES].find((r) => matchRoute(parser, r.path, path)[0]);
  void route?.view.preload().catch(() => undefined);
}

/**
 * Fetches every screen's chunk, one after another, when the browser has nothing else to do. It starts
 * a few seconds after the shell shows: the first screen's own requests (its response schemas, the
 * hub socket's first frames) must not queue behind chunks nobody has asked for yet.
 */
export function preloadAllWhenIdle(afterMs = 3000): () => void {
  const views = [...new Set([...SHELL_ROUTES, ...OPEN_ROUTES].map((r) => r.view))];
  let cancelled = false;
  const idle = (f: () => void) => ("requestIdleCallback" in window ? requestIdleCallback(f, { timeout: 5000 }) : setTimeout(f, 1000));
  const next = () => {
    const view = views.shift();
    if (cancelled || !view) return;
    void view.preload().then(
      () => idle(next),
      () => undefined,
    );
  };
  const start = setTimeout(() => idle(next), afterMs);
  return () => {
    cancelled = true;
    clearTimeout(start);
  };
}

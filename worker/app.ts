/**
 * The Worker's HTTP surface: request ids → dependencies → authentication → routes → one onError.
 * `AppType` is exported for the typed client that the web app and the CLI share.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { requestId } from "hono/request-id";
import type { AppEnv } from "./env";
import { makeDb } from "./db/client";
import { errorResponses, jsonResponse, onError, router } from "./http";
import { authorize, requireToken } from "./auth/middleware";
import { checkOrigin } from "./auth/origin";
import { sealAuditAfter } from "./auth/audit";
import { ApiError } from "./protocol/errors";
import { agents } from "./routes/agents";
import { approvals } from "./routes/approvals";
import { audit } from "./routes/audit";
import { auth } from "./routes/auth";
import { invitations } from "./routes/invitations";
import { me } from "./routes/me";
import { push } from "./routes/push";
import { members } from "./routes/members";
import { tokens } from "./routes/tokens";
import { keys } from "./routes/keys";
import { passkeys } from "./routes/passkeys";
import { diagnostics } from "./routes/diagnostics";
import { search } from "./routes/search";
import { sessions } from "./routes/sessions";
import { githubRoutes } from "./routes/github";
import { oidcRoutes } from "./routes/oidc";
import { signIn } from "./routes/sign-in";
import { ssoSettings } from "./routes/sso-settings";
import { searchDeps } from "./search/backend";
import { workspace } from "./routes/workspace";
import { templatesRoutes } from "./routes/templates";
import { pipelines } from "./routes/pipelines";
import { rulesRoutes } from "./routes/rules";
import { approverGroupsRoutes } from "./routes/approver-groups";

const app = router();

app.use("*", requestId());
const deps = createMiddleware<AppEnv>(async (c, next) => {
  const db = makeDb(c.env.DB);
  c.set("deps", { db, search: () => searchDeps(c.env, db) });
  await next();
});
app.use("/api/*", deps);
app.use("/auth/*", deps);
app.use("/api/*", sealAuditAfter);
app.use("/auth/*", sealAuditAfter);
app.use("/api/*", checkOrigin);
app.use("/api/*", requireToken);
app.use("/api/*", authorize);

const Health = z.object({ ok: z.literal(true), workspaceId: z.string(), subject: z.string(), time: z.number() });

const routes = app
  .openapi(
    createRoute({
      method: "get",
      path: "/api/health",
      tags: ["health"],
      responses: { 200: jsonResponse(Health, "Tower is up and the token works."), ...errorResponses },
    }),
    (c) => c.json({ ok: true as const, workspaceId: c.var.auth.workspaceId, subject: c.var.auth.subject, time: Date.now() }, 200),
  )
  .route("/api/sessions", sessions)
  .route("/api/approvals", approvals)
  .route("/api/agents", agents)
  .route("/api/workspace", workspace)
  .route("/api/workspace/sso", ssoSettings)
  .route("/api/members", members)
  .route("/api/tokens", tokens)
  .route("/api/keys", keys)
  .route("/api/passkeys", passkeys)
  .route("/api/audit", audit)
  .route("/api/auth", auth)
  .route("/api/auth", signIn)
  .route("/api/invitations", invitations)
  .route("/api/me", me)
  .route("/api/me/push", push)
  .route("/api/search", search)
  .route("/api/templates", templatesRoutes)
  .route("/api/pipelines", pipelines)
  .route("/api/rules", rulesRoutes)
  .route("/api/approver-groups", approverGroupsRoutes)
  .route("/api", diagnostics);

// Browser navigations of the provider sign-ins: not JSON, not in the typed client, no bearer token.
app.route("/auth/oidc", oidcRoutes);
app.route("/auth/github", githubRoutes);

app.doc31("/api/openapi.json", {
  openapi: "3.1.0",
  info: { title: "Tower API", version: "0.1.0", description: "Launch, watch and approve Claude Code sessions on your own machines." },
  security: [{ bearer: [] }],
});
app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });

app.notFound((c) => {
  throw new ApiError("NOT_FOUND", `No route ${c.req.method} ${new URL(c.req.url).pathname}.`);
});
app.onError(onError);

export type AppType = typeof routes;
export default app;

/**
 * The Worker's HTTP surface: request ids → dependencies → authentication → routes → one onError.
 * `AppType` is exported for the typed client that the web app and the CLI share.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { requestId } from "hono/request-id";
import { makeDb } from "./db/client";
import { errorResponses, jsonResponse, onError, router } from "./http";
import { authorize, requireToken } from "./auth/middleware";
import { checkOrigin } from "./auth/origin";
import { ApiError } from "./protocol/errors";
import { agents } from "./routes/agents";
import { approvals } from "./routes/approvals";
import { audit } from "./routes/audit";
import { auth } from "./routes/auth";
import { invitations } from "./routes/invitations";
import { me } from "./routes/me";
import { members } from "./routes/members";
import { tokens } from "./routes/tokens";
import { diagnostics } from "./routes/diagnostics";
import { sessions } from "./routes/sessions";
import { signIn } from "./routes/sign-in";
import { workspace } from "./routes/workspace";
import { templatesRoutes } from "./routes/templates";
import { pipelines } from "./routes/pipelines";

const app = router();

app.use("*", requestId());
app.use("/api/*", async (c, next) => {
  c.set("deps", { db: makeDb(c.env.DB) });
  await next();
});
app.use("/api/*", checkOrigin);
app.use("/api/*", requireToken);
app.use("/api/*", authorize);

const Health = z.object({ ok: z.literal(true), workspaceId: z.string(), subject: z.string(), time: z.number() });

const routes = app
  .openapi(
    createRoute({ method: "get", path: "/api/health", tags: ["health"], responses: { 200: jsonResponse(Health, "Tower is up and the token works."), ...errorResponses } }),
    (c) => c.json({ ok: true as const, workspaceId: c.var.auth.workspaceId, subject: c.var.auth.subject, time: Date.now() }, 200),
  )
  .route("/api/sessions", sessions)
  .route("/api/approvals", approvals)
  .route("/api/agents", agents)
  .route("/api/workspace", workspace)
  .route("/api/members", members)
  .route("/api/tokens", tokens)
  .route("/api/audit", audit)
  .route("/api/auth", auth)
  .route("/api/auth", signIn)
  .route("/api/invitations", invitations)
  .route("/api/me", me)
  .route("/api/templates", templatesRoutes)
  .route("/api/pipelines", pipelines)
  .route("/api", diagnostics);

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

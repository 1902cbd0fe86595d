/** Worker entry: the Hono app (every answer with security headers), the search index's queue consumer, and the Durable Object and Workflow classes wrangler binds by name. */
import app from "./app";
import { withSecurityHeaders } from "./security-headers";
import { handleQueue } from "./search/queue";

export { SessionRoom } from "../party/session-room";
export { WorkspaceHub } from "../party/workspace-hub";
export { AgentLink } from "../party/agent-link";
export { PipelineWorkflow } from "./pipelines/workflow";

export default {
  fetch: async (request, env, ctx) => withSecurityHeaders(await app.fetch(request, env, ctx)),
  queue: handleQueue,
} satisfies ExportedHandler<Env>;

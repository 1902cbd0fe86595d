/** Worker entry: the Hono app, plus the Durable Object and Workflow classes wrangler binds by name. */
import app from "./app";

export { SessionRoom } from "../party/session-room";
export { WorkspaceHub } from "../party/workspace-hub";
export { AgentLink } from "../party/agent-link";
export { PipelineWorkflow } from "./pipelines/workflow";
export default app;

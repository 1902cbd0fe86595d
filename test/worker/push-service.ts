/**
 * Global setup of the workerd tier: starts the loopback push service (test/fixtures/loopback-push.ts)
 * in Node, where http_ece and node:crypto live, and hands its URL to the tests (`inject("pushServiceUrl")`).
 * The Worker under test may POST to it because the tier sets PUSH_ALLOW_LOOPBACK.
 */
import type { TestProject } from "vitest/node";
import { startLoopbackPush } from "../fixtures/loopback-push";

declare module "vitest" {
  export interface ProvidedContext {
    pushServiceUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const service = await startLoopbackPush();
  project.provide("pushServiceUrl", service.url);
  return () => service.close();
}

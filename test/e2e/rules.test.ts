/**
 * Approval rules with the REAL Claude Code binary (against the fake Messages API): a call a rule
 * allows runs with no person; a call a rule denies never runs and the model reads the rule's message;
 * a machine owner's deny wins over a workspace rule that allows the call.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTower, waitForStatus, type Tower } from "./harness";

let t: Tower;
beforeAll(async () => {
  t = await startTower();
  await t.startAgent();
});
afterAll(async () => {
  await t?.close();
});

/** Did any request to the model carry `text` (a tool_result Claude Code built from a denial)? */
const modelSaw = (text: string) => t.api.requests.some((r) => JSON.stringify(r.body ?? null).includes(text));

async function runIn(dir: string, title: string) {
  const cwd = join(t.workDir, dir);
  await mkdir(cwd, { recursive: true });
  const s = await t.client.createSession({ prompt: "please write hello.txt", cwd, title });
  const done = await waitForStatus(t, s.id, "completed");
  const { approvals } = await t.client.listApprovals({ session: s.id, status: "all" });
  return { cwd, done, approvals };
}

describe("rules with the real Claude Code", () => {
  it("a call allowed by a rule runs with no human; a denied one never runs and the model sees the message", async () => {
    const allowed = join(t.workDir, "ruled-allow");
    const denied = join(t.workDir, "ruled-deny");
    await t.client.putRules(
      `rules:
  - id: allow-here
    decision: allow
    tool: Write
    path: ${allowed}/**
  - id: deny-there
    decision: deny
    tool: Write
    path: ${denied}/**
    message: Writing in ruled-deny is forbidden by the team's rules; stop.
`,
    );
    const a = await runIn("ruled-allow", "allowed by a rule");
    expect(existsSync(join(a.cwd, "hello.txt"))).toBe(true);
    expect(a.approvals).toHaveLength(1);
    expect(a.approvals[0]).toMatchObject({ status: "approved", via: "rule", decidedBy: expect.stringContaining("allow-here") });

    const d = await runIn("ruled-deny", "denied by a rule");
    expect(existsSync(join(d.cwd, "hello.txt"))).toBe(false);
    expect(d.approvals[0]).toMatchObject({ status: "denied", via: "rule", comment: "Writing in ruled-deny is forbidden by the team's rules; stop." });
    expect(modelSaw("Writing in ruled-deny is forbidden by the team")).toBe(true);
  });

  it("a machine owner's deny wins over a workspace rule that allows the call", async () => {
    const machineDenied = join(t.workDir, "machine-deny");
    await t.client.putRules(`rules:\n  - id: all-writes\n    decision: allow\n    tool: Write\n`);
    const { agents } = await t.client.listAgents();
    const agent = agents.find((x) => x.name === t.agentName)!;
    await t.client.setMachinePolicy(agent.id, {
      denyRules: {
        rules: [
          { id: "no-machine-deny", decision: "deny", tool: ["Write"], path: [`${machineDenied}/**`], message: "This machine's owner forbids writes there." },
        ],
      },
    });
    const m = await runIn("machine-deny", "denied by the machine");
    expect(existsSync(join(m.cwd, "hello.txt"))).toBe(false);
    expect(m.approvals[0]).toMatchObject({ status: "denied", via: "rule", decidedBy: expect.stringContaining("machine policy") });
    expect(modelSaw("This machine's owner forbids writes there.")).toBe(true);
  });
});

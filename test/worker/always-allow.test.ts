/**
 * "Always allow this" through the real route, room and D1: the server adds the rule it proposes itself
 * for a pending call (a new rule-set version), approves the call, and refuses calls Claude Code flagged.
 */
import { describe, expect, it } from "vitest";
import type { AgentEvent } from "../../worker/protocol/agent";
import type { Approval } from "../../worker/protocol/approval";
import type { Json } from "../../worker/protocol/json";
import { proposeRule } from "../../worker/protocol/rule-proposal";
import { Rule, type RuleSetVersion } from "../../worker/protocol/rules";
import { api, envelope, eventually, memberWith, openSocket, type Seed, seedWorkspace, type Socket, startedSession } from "./helpers";

/** The agent asks about a call; answers the approval as the inbox lists it. */
async function asked(seed: Seed, agent: Socket, requestId: string, input: Record<string, Json>, extra: Partial<AgentEvent> = {}): Promise<Approval> {
  agent.send({ type: "agent-events", events: [envelope({ type: "approval-request", requestId, toolName: "Bash", input, ...extra } as AgentEvent)] });
  return eventually(async () => {
    const r = await (await api("/api/approvals", seed.userToken)).json<{ approvals: Approval[] }>();
    return r.approvals.find((a) => JSON.stringify(a.input) === JSON.stringify(input));
  });
}

const proposed = (a: Approval) => {
  const p = proposeRule({ ...a, cwd: "/work" }, Date.now());
  if (!p.ok) throw new Error(p.why);
  return Rule.parse(p.rule);
};
const rules = async (seed: Seed) => (await api("/api/rules", seed.userToken)).json<RuleSetVersion>();

describe("happy", () => {
  it("adds the proposed rule as a new version, approves the call, and the rule allows the next identical call", async () => {
    const seed = await seedWorkspace("always-allow");
    const { agent } = await startedSession(seed);
    const a = await asked(seed, agent, "req-1", { command: "npm test" });
    const rule = proposed(a);
    const res = await api(`/api/approvals/${a.id}/always-allow`, seed.userToken, { method: "POST", json: { inputSha256: a.inputSha256, rule } });
    expect(res.status).toBe(200);
    const body = await res.json<{ approval: Approval; version: number; ruleId: string }>();
    expect(body).toMatchObject({ version: 1, ruleId: rule.id, approval: { status: "approved", via: "human" } });
    expect(await agent.next((f) => f.type === "decision" && f.requestId === "req-1")).toMatchObject({ answer: { behavior: "allow" } });
    const v1 = await rules(seed);
    expect(v1.ruleSet.rules).toEqual([rule]);
    expect(v1.source).toContain("npm test");
    // The rule now answers the same call with no person.
    agent.send({
      type: "agent-events",
      events: [envelope({ type: "approval-request", requestId: "req-2", toolName: "Bash", input: { command: "npm test" } })],
    });
    expect(await agent.next((f) => f.type === "decision" && f.requestId === "req-2")).toMatchObject({ answer: { behavior: "allow" } });
    const audit = await (await api("/api/audit?action=rules.version", seed.userToken)).json<{ entries: { details: Record<string, unknown> }[] }>();
    expect(audit.entries[0]?.details).toMatchObject({ version: 1, rule: rule.id, from: a.id });
  });
});

describe("a decision the room refuses", () => {
  it("adds no rule: an admin outside the group a call is routed to is refused, and the rules keep their version", async () => {
    const seed = await seedWorkspace("always-allow-routed");
    const carol = await memberWith(seed, "admin", "carol");
    const ann = await memberWith(seed, "member", "ann");
    expect((await api("/api/approver-groups/sre", seed.userToken, { method: "PUT", json: { members: [ann.userId] } })).status).toBe(200);
    const routed = "rules:\n  - id: tests\n    decision: ask\n    tool: Bash\n    command: npm *\n    decide_by: group:sre\n";
    expect((await api("/api/rules", seed.userToken, { method: "PUT", json: { source: routed } })).status).toBe(200);
    const { agent } = await startedSession(seed);
    const a = await asked(seed, agent, "req-r", { command: "npm test" });
    const res = await api(`/api/approvals/${a.id}/always-allow`, carol.token, { method: "POST", json: { inputSha256: a.inputSha256, rule: proposed(a) } });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("only group sre");
    const after = await rules(seed);
    expect(after.version).toBe(1);
    expect(after.source).toBe(routed);
  });
});

describe("calls Claude Code requires a person to answer", () => {
  it("the inbox shows the flag; a one-step approve over HTTP and the socket is refused with how to confirm; a confirmed one runs", async () => {
    const seed = await seedWorkspace("always-allow-interaction");
    const { id: sessionId, agent } = await startedSession(seed);
    const a = await asked(seed, agent, "req-i", { command: "npm publish" }, { requiresUserInteraction: true });
    expect(a.requiresUserInteraction).toBe(true);
    const oneTap = await api(`/api/approvals/${a.id}/decision`, seed.userToken, { method: "POST", json: { decision: "approve", inputSha256: a.inputSha256 } });
    expect(oneTap.status).toBe(400);
    expect((await oneTap.json<{ error: { message: string } }>()).error.message).toContain(`tower approve ${a.id} --confirm`);
    const viewer = await openSocket(`/api/sessions/${sessionId}/live`, seed.userToken);
    await viewer.next((f) => f.type === "snapshot");
    viewer.send({ type: "decide", ref: "d1", approvalId: a.id, body: { decision: "approve", inputSha256: a.inputSha256 } });
    expect(await viewer.next((f) => f.type === "error" && f.ref === "d1")).toMatchObject({ error: { code: "BAD_REQUEST" } });
    const rule = Rule.parse({ id: "always-bash-x", decision: "allow", tool: "Bash", command: "npm publish", scope: { directory: "/work" } });
    const always = await api(`/api/approvals/${a.id}/always-allow`, seed.userToken, { method: "POST", json: { inputSha256: a.inputSha256, rule } });
    expect(always.status).toBe(400);
    const confirmed = await api(`/api/approvals/${a.id}/decision`, seed.userToken, {
      method: "POST",
      json: { decision: "approve", confirmed: true, inputSha256: a.inputSha256 },
    });
    expect(confirmed.status).toBe(200);
    expect(await agent.next((f) => f.type === "decision" && f.requestId === "req-i")).toMatchObject({ answer: { behavior: "allow" } });
  });
});

describe("errors", () => {
  it("refuses a call Claude Code asked not to offer a rule for, with the envelope, and adds nothing", async () => {
    const seed = await seedWorkspace("always-allow-suppressed");
    const { agent } = await startedSession(seed);
    const a = await asked(seed, agent, "req-s", { command: "npm test" }, { suppressAlwaysAllowRule: true });
    // The inbox (D1's mirror) carries the flag as the room does, so no client offers the rule.
    expect(a.suppressAlwaysAllowRule).toBe(true);
    expect((await (await api(`/api/approvals/${a.id}`, seed.userToken)).json<Approval>()).suppressAlwaysAllowRule).toBe(true);
    const rule = Rule.parse({ id: "always-bash-x", decision: "allow", tool: "Bash", command: "npm test", scope: { directory: "/work" } });
    const res = await api(`/api/approvals/${a.id}/always-allow`, seed.userToken, { method: "POST", json: { inputSha256: a.inputSha256, rule } });
    expect(res.status).toBe(400);
    const err = await res.json<{ error: { code: string; message: string } }>();
    expect(err.error.code).toBe("BAD_REQUEST");
    expect(err.error.message).toMatch(/asked not to offer an always-allow rule/);
    expect((await rules(seed)).version).toBe(0);
    expect((await (await api(`/api/approvals/${a.id}`, seed.userToken)).json<Approval>()).status).toBe("pending");
  });

  it("refuses a rule wider than the one it proposes, and a stale input hash", async () => {
    const seed = await seedWorkspace("always-allow-wider");
    const { agent } = await startedSession(seed);
    const a = await asked(seed, agent, "req-w", { command: "npm test" });
    const wider = { ...proposed(a), command: ["npm *"] };
    const res = await api(`/api/approvals/${a.id}/always-allow`, seed.userToken, { method: "POST", json: { inputSha256: a.inputSha256, rule: wider } });
    expect(res.status).toBe(400);
    expect((await res.json<{ error: { message: string } }>()).error.message).toMatch(/not the rule proposed/);
    const stale = await api(`/api/approvals/${a.id}/always-allow`, seed.userToken, {
      method: "POST",
      json: { inputSha256: "0".repeat(64), rule: proposed(a) },
    });
    expect(stale.status).toBe(409);
    expect((await rules(seed)).version).toBe(0);
  });
});

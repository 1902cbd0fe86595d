import { describe, expect, it } from "vitest";
import type { ApproverGroup } from "../../worker/protocol/approver-groups";
import { api, memberWith, seedWorkspace } from "./helpers";

const putGroup = (token: string, name: string, json: unknown) => api(`/api/approver-groups/${name}`, token, { method: "PUT", json });

describe("approver groups", () => {
  it("owners and admins write, members read, viewers cannot; each write is audited; unknown members are refused", async () => {
    const seed = await seedWorkspace("groups");
    const admin = await memberWith(seed, "admin");
    const member = await memberWith(seed, "member");
    const viewer = await memberWith(seed, "viewer");
    const put = await putGroup(seed.userToken, "sre", { members: [member.userId], roles: ["admin"] });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ name: "sre", members: [member.userId], roles: ["admin"] });
    expect((await putGroup(admin.token, "sre", { members: [member.userId, admin.userId] })).status).toBe(200);
    expect((await putGroup(member.token, "sre", { roles: ["member"] })).status).toBe(403);
    expect((await putGroup(seed.userToken, "bad", { members: ["usr_nobody"] })).status).toBe(400);
    expect((await putGroup(seed.userToken, "empty", {})).status).toBe(400);
    expect((await putGroup(seed.userToken, "Not A Name", { roles: ["admin"] })).status).toBe(400);
    const list = await (await api("/api/approver-groups", member.token)).json<{ groups: ApproverGroup[] }>();
    expect(list.groups.map((g) => [g.name, g.members.length, g.roles])).toEqual([["sre", 2, []]]);
    expect((await api("/api/approver-groups", viewer.token)).status).toBe(403);
    expect((await api("/api/approver-groups/sre", member.token, { method: "DELETE" })).status).toBe(403);
    expect(await (await api("/api/approver-groups/sre", admin.token, { method: "DELETE" })).json()).toEqual({ deleted: true });
    expect(await (await api("/api/approver-groups/sre", admin.token, { method: "DELETE" })).json()).toEqual({ deleted: false });
    const audit = await (await api("/api/audit", seed.userToken)).json<{ entries: { action: string; target: string }[] }>();
    expect(audit.entries.filter((e) => e.action.startsWith("approver-group.")).map((e) => e.action)).toEqual([
      "approver-group.put",
      "approver-group.put",
      "approver-group.delete",
    ]);
  });
});

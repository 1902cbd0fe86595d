/**
 * Web Push in real Chromium: Tower pushes a waiting call to the loopback push service (which checks the
 * VAPID JWT and decrypts it, as a browser's push service and the browser would), the decrypted payload is
 * delivered to the page's service worker over the DevTools protocol (ServiceWorker.deliverPushMessage:
 * headless Chromium has no push service of its own), and the notification it shows is tapped. Chromium
 * has no protocol command for a notification's buttons, so the tap is a `notificationclick` dispatched
 * in the service worker's own context (playwright's serviceWorker.evaluate): the handler that runs is
 * the real one, with the real notification.
 */
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, BrowserContext, CDPSession, Page, Worker } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Approval } from "../../worker/protocol/approval";
import type { PushPayload } from "../../worker/protocol/push";
import { waitForStatus, waitUntil, type Tower } from "../e2e/harness";
import { startLoopbackPush, type LoopbackPush, type LoopbackSubscription } from "../fixtures/loopback-push";
import { DESKTOP, eventually, towerAndBrowser } from "./browser";

/** A key for tests only; production sets its own with `wrangler secret put VAPID_PRIVATE_KEY`. */
const VAPID_PRIVATE_KEY =
  '{"kty":"EC","crv":"P-256","x":"IXHXpGL0qyBXgBjih5EGwA7Z8PyS9HsfzWkwkLuNbKE","y":"YZ-FzF2omjUhiWVyFBPYBx5G2eYL-GRBCu7XePyUrIU","d":"GaGwUW2vGR2Q5lJcPy2XOuEdeyf27UhQp9lHjUWA2Mo"}';

let t: Tower;
let browser: Browser;
let push: LoopbackPush;

beforeAll(async () => {
  push = await startLoopbackPush();
});
afterAll(async () => {
  await push?.close();
});
towerAndBrowser(
  { tower: { vars: { VAPID_PRIVATE_KEY, VAPID_SUBJECT: "mailto:tests@tower.invalid", PUSH_ALLOW_LOOPBACK: "1" } } },
  (started) => ({ t, browser } = started),
);

interface Shown {
  title: string;
  body: string;
  tag: string;
  actions: string[];
}

/** A signed-in page whose service worker runs (the other browser tests block service workers). */
async function pageWithServiceWorker(): Promise<{ context: BrowserContext; page: Page; sw: Worker; cdp: CDPSession; registrationId: string }> {
  const context = await browser.newContext({ viewport: DESKTOP.viewport, serviceWorkers: "allow", permissions: ["notifications"] });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  const registered = new Promise<string>((resolve) => {
    cdp.on("ServiceWorker.workerRegistrationUpdated", (e: { registrations: { registrationId: string; scopeURL: string; isDeleted: boolean }[] }) => {
      const r = e.registrations.find((x) => x.scopeURL.startsWith(t.url) && !x.isDeleted);
      if (r) resolve(r.registrationId);
    });
  });
  await cdp.send("ServiceWorker.enable");
  const swStarted = context.waitForEvent("serviceworker");
  await page.goto(`${t.url}/signin#token=${encodeURIComponent(t.adminToken)}`);
  await page.waitForURL(`${t.url}/sessions`);
  const sw = context.serviceWorkers()[0] ?? (await swStarted);
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  return { context, page, sw, cdp, registrationId: await registered };
}

const notifications = (page: Page): Promise<Shown[]> =>
  page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    // `actions` is Chromium's (not in the DOM typings Node's TypeScript knows).
    type WithActions = Notification & { actions?: { action: string }[] };
    return (await reg.getNotifications()).map((n) => ({
      title: n.title,
      body: n.body,
      tag: n.tag,
      actions: ((n as WithActions).actions ?? []).map((a) => a.action),
    }));
  });

/** Taps a notification: the service worker's notificationclick handler runs with that notification and `action`. */
function tap(sw: Worker, tag: string, action: string): Promise<void> {
  return sw.evaluate(
    async ({ tag, action }) => {
      // Service-worker globals, typed here: the test's TypeScript knows the DOM, not the worker scope.
      type Scope = EventTarget & { registration: ServiceWorkerRegistration };
      type NotificationEventCtor = new (type: string, init: { notification: Notification; action: string }) => Event;
      const scope = self as unknown as Scope;
      const [n] = await scope.registration.getNotifications({ tag });
      if (!n) throw new Error(`no notification ${tag}`);
      const done: Promise<unknown>[] = [];
      const Ctor = (self as unknown as { NotificationEvent: NotificationEventCtor }).NotificationEvent;
      const event = new Ctor("notificationclick", { notification: n, action });
      // A script-made event has no lifetime of its own: collect what the handler waits on, and wait here.
      Object.defineProperty(event, "waitUntil", { value: (p: Promise<unknown>) => done.push(p) });
      scope.dispatchEvent(event);
      await Promise.all(done);
    },
    { tag, action },
  );
}

const statusOf = async (a: Approval) => (await t.client.listApprovals({ session: a.sessionId, status: "all" })).approvals.find((x) => x.id === a.id)?.status;

async function waitingApproval(sessionId: string): Promise<Approval> {
  let found: Approval | undefined;
  await waitUntil(
    async () => {
      found = (await t.client.listApprovals({ session: sessionId as Approval["sessionId"], status: "pending" })).approvals[0];
      return !!found;
    },
    45_000,
    () => `no approval waits in ${sessionId}:\n${t.logs()}`,
  );
  return found!;
}

async function pushesTo(s: LoopbackSubscription, pred: (p: PushPayload) => boolean): Promise<PushPayload> {
  let hit: PushPayload | undefined;
  await waitUntil(
    () => {
      hit = push
        .received(s.id)
        .map((r) => JSON.parse(r.payload) as PushPayload)
        .find(pred);
      return !!hit;
    },
    15_000,
    () => `no such push reached the loopback service (refused: ${push.refused.join("; ")})`,
  );
  return hit!;
}

describe("push notifications", () => {
  it("a pushed call shows Approve and Deny; Approve decides exactly that call; the decision closes it; a stale Approve is refused and says so", async () => {
    const { context, page, sw, cdp, registrationId } = await pageWithServiceWorker();
    // This browser's subscription, held by the loopback push service (Chromium headless has no push service).
    const sub = push.subscribe();
    const subscribed = await page.evaluate(
      async (body) => {
        const res = await fetch("/api/me/push", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
        return res.status;
      },
      { endpoint: sub.endpoint, keys: sub.keys, device: "chromium under test" },
    );
    expect(subscribed).toBe(200);

    const cwd = join(t.workDir, "push");
    await mkdir(cwd, { recursive: true });
    const s = await t.client.createSession({ prompt: "write hello.txt", cwd, title: "pushed" });
    const a = await waitingApproval(s.id);
    const shown = await pushesTo(sub, (p) => p.type === "approval" && p.approvalId === a.id);
    expect(shown).toMatchObject({ approvalId: a.id, inputSha256: a.inputSha256, tool: "Write", sessionTitle: "pushed", machine: t.agentName });
    const deliver = (p: PushPayload) => cdp.send("ServiceWorker.deliverPushMessage", { origin: t.url, registrationId, data: JSON.stringify(p) });

    await deliver(shown);
    const [n] = await eventually(async () => {
      const list = await notifications(page);
      expect(list.map((x) => x.tag)).toContain(a.id);
      return list;
    });
    expect(n).toMatchObject({ title: "Write waits for approval", tag: a.id, actions: ["approve", "deny"] });
    expect(n!.body).toContain("hello.txt");
    expect(n!.body).toContain(`pushed · ${t.agentName}`);

    await tap(sw, a.id, "approve");
    await waitForStatus(t, s.id, "completed");
    expect(await readFile(join(cwd, "hello.txt"), "utf8")).toBeTruthy();
    expect(await statusOf(a)).toBe("approved");

    // Tower tells every device the call is decided: the close drops the notification.
    const close = await pushesTo(sub, (p) => p.type === "close" && p.approvalId === a.id);
    await deliver(shown);
    await eventually(async () => expect((await notifications(page)).map((x) => x.tag)).toContain(a.id));
    await deliver(close);
    await eventually(async () => expect((await notifications(page)).map((x) => x.tag)).not.toContain(a.id));

    // A stale notification: its call was decided elsewhere (denied in another tab) before the tap. The
    // server refuses the approve, and the notification says why. (The same decision again is idempotent.)
    const cwd2 = join(t.workDir, "push-stale");
    await mkdir(cwd2, { recursive: true });
    const s2 = await t.client.createSession({ prompt: "write hello.txt", cwd: cwd2, title: "stale" });
    const b = await waitingApproval(s2.id);
    const stale = await pushesTo(sub, (p) => p.type === "approval" && p.approvalId === b.id);
    await deliver(stale);
    await eventually(async () => expect((await notifications(page)).map((x) => x.tag)).toContain(b.id));
    await t.client.decide(b.id, { decision: "deny", comment: "no", inputSha256: b.inputSha256 }, b.sessionId);
    await tap(sw, b.id, "approve");
    const refused = await eventually(async () => {
      const r = (await notifications(page)).find((x) => x.tag === `refused:${b.id}`);
      expect(r).toBeTruthy();
      return r!;
    });
    expect(refused.title).toBe("Not approved: Write");
    expect(refused.body).toContain(`approval ${b.id} is already denied`);
    expect(await statusOf(b)).toBe("denied");
    await context.close();
  });

  it("Deny opens the approval in the page with its comment field focused", async () => {
    const { context, page, sw, cdp, registrationId } = await pageWithServiceWorker();
    const cwd = join(t.workDir, "push-deny");
    await mkdir(cwd, { recursive: true });
    const s = await t.client.createSession({ prompt: "write hello.txt", cwd, title: "deny me" });
    const a = await waitingApproval(s.id);
    const p: PushPayload = {
      type: "approval",
      approvalId: a.id,
      sessionId: a.sessionId,
      inputSha256: a.inputSha256,
      tool: a.toolName,
      summary: "hello.txt",
      sessionTitle: "deny me",
      machine: t.agentName,
      expiresAt: a.expiresAt,
    };
    await cdp.send("ServiceWorker.deliverPushMessage", { origin: t.url, registrationId, data: JSON.stringify(p) });
    await eventually(async () => expect((await notifications(page)).map((x) => x.tag)).toContain(a.id));
    await tap(sw, a.id, "deny");
    await page.waitForURL(`${t.url}/approvals?approval=${a.id}&deny=1`);
    const comment = page.getByRole("article", { name: "Approval: Write in deny me" }).getByRole("textbox");
    await eventually(async () => expect(await comment.evaluate((el) => el === document.activeElement)).toBe(true));
    await comment.fill("not now");
    await comment.press("Enter");
    await eventually(async () => expect(await statusOf(a)).toBe("denied"), 20_000);
    await context.close();
  });
});

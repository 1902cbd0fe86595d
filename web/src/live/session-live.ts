/**
 * One open session: its summary, its approvals and its conversation, fed by the session socket
 * (a snapshot, then every event once, resuming from the last seq after a reconnect).
 */
import { connectSession, type Live } from "../../../worker/client";
import type { Approval } from "../../../worker/protocol/approval";
import type { SessionSummary } from "../../../worker/protocol/session";
import { isNewerSummary, newerSummary, summaryAfterEvents } from "../state/session-summary";
import { createStore, type Store } from "../state/store";
import { Transcript, type Item } from "../transcript/build";
import { foldLiveText, liveItems, settleLiveText, type LiveBlock } from "../transcript/live-text";
import { baseUrl } from "./api";
import type { LinkStatus } from "./workspace-live";

export interface SessionView {
  summary: SessionSummary | null;
  approvals: ReadonlyMap<string, Approval>;
  items: readonly Item[];
  error: string | null;
}

export class SessionLive {
  readonly view: Store<SessionView> = createStore<SessionView>({ summary: null, approvals: new Map(), items: [], error: null });
  readonly status: Store<LinkStatus> = createStore<LinkStatus>("reconnecting");
  private readonly transcript = new Transcript();
  /** Text Claude is still writing: shown after the stored items until its final message lands. */
  private liveText: readonly LiveBlock[] = [];
  private live: Live;

  constructor(readonly sessionId: string) {
    this.live = connectSession({
      baseUrl,
      sessionId,
      onStatus: (s) => this.status.set(s),
      onFrame: (f) => {
        if (f.type === "snapshot") {
          const approvals = new Map(f.approvals.map((a) => [a.id, a]));
          for (const a of f.approvals) this.transcript.updateApproval(a);
          this.view.set((v) => ({ ...v, summary: newerSummary(v.summary, f.session), approvals, items: this.items(), error: null }));
        } else if (f.type === "live-text") {
          const next = foldLiveText(this.liveText, f);
          if (next === this.liveText) return;
          this.liveText = next;
          this.view.set((v) => ({ ...v, items: this.items() }));
        } else if (f.type === "events") {
          const before = this.liveText;
          this.liveText = settleLiveText(before, f.events);
          if (!this.transcript.push(f.events) && this.liveText === before) return;
          let approvals = this.view.get().approvals;
          const summary = summaryAfterEvents(this.view.get().summary, f.events);
          for (const e of f.events) {
            if (e.type === "approval-requested") approvals = new Map(approvals).set(e.approval.id, e.approval);
            if (e.type === "approval-resolved") {
              const a = approvals.get(e.approvalId);
              if (a) approvals = new Map(approvals).set(a.id, { ...a, status: e.status, via: e.via, decidedBy: e.by, comment: e.comment, decidedAt: e.at });
            }
          }
          this.view.set((v) => ({ ...v, summary, approvals, items: this.items() }));
        } else if (f.type === "error") {
          this.view.set((v) => ({ ...v, error: f.error.message }));
        }
      },
    });
  }

  /** The workspace hub carries the newest summary (status, counts, cost) for every session. */
  setSummary(s: SessionSummary): void {
    if (isNewerSummary(this.view.get().summary, s)) this.view.set((v) => ({ ...v, summary: s }));
  }

  /** An optimistic (or rolled-back) approval state, shown at once in the card. */
  setApproval(a: Approval): void {
    this.transcript.updateApproval(a);
    this.view.set((v) => ({ ...v, approvals: new Map(v.approvals).set(a.id, a), items: this.items() }));
  }

  /** The stored conversation, then the text still being written. */
  private items(): readonly Item[] {
    return this.liveText.length === 0 ? this.transcript.items : [...this.transcript.items, ...liveItems(this.liveText, this.transcript.seq)];
  }

  close(): void {
    this.live.close();
  }
}

/**
 * The in-isolate store behind the local vector index: one workspace's int8 vectors, column-wise,
 * with a ternary bit code per vector (a bit for each positive and each negative component, part by
 * part) so that a query ranks every vector by popcounts over a few words instead of a dot product
 * over every dimension, and rescores only the best few thousand exactly. Pure; local-vector-index.ts
 * fills it from D1, bench/vectors.ts times it.
 */
import type { DocKind } from "../protocol/search";
import { dotInt8, TopK } from "./vectors";

/** Below this many wanted vectors per candidate asked for, the exact scan is as cheap as the pre-filter. */
const EXACT_BELOW = 4;

/**
 * Candidates kept by the bit pre-filter for a top-`k` query over `n` vectors (per part), then rescored
 * exactly. The share of `n` keeps recall when a large workspace has hundreds of near-equal neighbours
 * (measured: 0.59 recall@10 at 1M clustered vectors with 256, bench/vectors.ts); rescoring n/500 costs
 * a five-hundredth of the exact scan.
 */
export const candidatesFor = (k: number, n = 0): number => Math.max(256, 8 * k, Math.ceil(n / 500));

/** Bits set in a 32-bit word. */
function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Word layout of the codes: each part starts on a word, and each word is a (positive, negative) pair. */
function layout(parts: readonly number[]): { starts: number[]; words: number[]; total: number } {
  const starts: number[] = [];
  const words: number[] = [];
  let total = 0;
  for (const len of parts) {
    starts.push(total);
    words.push(Math.ceil(len / 32));
    total += 2 * Math.ceil(len / 32);
  }
  return { starts, words, total };
}

/**
 * The ternary code of `v` into `out` at `at`: a component counts when its magnitude is at least
 * half the mean magnitude of the part's non-zero components, so a dense vector keeps its clear signs
 * and a sparse one (hashed features) keeps exactly its features. The bit dot product of two codes
 * (agreeing minus disagreeing bits) then estimates their cosine's rank order.
 */
export function encode(v: Int8Array, vOffset: number, parts: readonly number[], out: Uint32Array, at: number): void {
  const { starts, words } = layout(parts);
  let off = vOffset;
  for (let p = 0; p < parts.length; p++) {
    const len = parts[p]!;
    let sum = 0;
    let nonZero = 0;
    for (let i = 0; i < len; i++) {
      const x = v[off + i]!;
      if (x !== 0) (sum += Math.abs(x)), nonZero++;
    }
    const floor = nonZero ? Math.max(1, sum / nonZero / 2) : 1;
    for (let w = 0; w < words[p]!; w++) {
      let pos = 0;
      let neg = 0;
      for (let b = 0; b < 32 && w * 32 + b < len; b++) {
        const x = v[off + w * 32 + b]!;
        if (x >= floor) pos |= 1 << b;
        else if (x <= -floor) neg |= 1 << b;
      }
      out[at + starts[p]! + 2 * w] = pos;
      out[at + starts[p]! + 2 * w + 1] = neg;
    }
    off += len;
  }
}

export interface StoreHit {
  slot: number;
  score: number;
}

/** Column-wise vectors of one workspace; a re-written document overwrites its slot. */
export class VectorStore {
  count = 0;
  vecs: Int8Array;
  codes: Uint32Array;
  docIds: number[] = [];
  sessions: string[] = [];
  kinds: DocKind[] = [];
  tools: (string | null)[] = [];
  ats: number[] = [];
  readonly slotOf = new Map<number, number>();
  /** Sessions as small integers, so the pre-filter can keep each session's best slot per part in an array. */
  readonly #sessionNo = new Map<string, number>();
  #sessionOf = new Int32Array(1024);
  /** Vectors the last query scored exactly (what the pre-filter bounds). */
  rescored = 0;
  readonly codeWords: number;
  readonly #layout: ReturnType<typeof layout>;
  /** Scratch for the pre-filter's scores, grown with the store and reused by every query. */
  #scores = new Int32Array(0);

  constructor(
    readonly dims: number,
    /** The embedder's parts (Embedder.parts): with more than one, sessions are scored part by part. */
    readonly parts: readonly number[] = [dims],
  ) {
    this.#layout = layout(parts);
    this.codeWords = this.#layout.total;
    this.vecs = new Int8Array(dims * 1024);
    this.codes = new Uint32Array(this.codeWords * 1024);
  }

  put(docId: number, sessionId: string, kind: DocKind, tool: string | null, at: number, vec: Int8Array): void {
    let slot = this.slotOf.get(docId);
    if (slot === undefined) {
      slot = this.count++;
      this.slotOf.set(docId, slot);
      if (this.count * this.dims > this.vecs.length) {
        const grown = new Int8Array(this.vecs.length * 2);
        grown.set(this.vecs);
        this.vecs = grown;
        const codes = new Uint32Array(this.codes.length * 2);
        codes.set(this.codes);
        this.codes = codes;
        const sessionOf = new Int32Array(this.#sessionOf.length * 2);
        sessionOf.set(this.#sessionOf);
        this.#sessionOf = sessionOf;
      }
    }
    this.vecs.set(vec.subarray(0, this.dims), slot * this.dims);
    encode(this.vecs, slot * this.dims, this.parts, this.codes, slot * this.codeWords);
    this.docIds[slot] = docId;
    this.sessions[slot] = sessionId;
    let no = this.#sessionNo.get(sessionId);
    if (no === undefined) this.#sessionNo.set(sessionId, (no = this.#sessionNo.size));
    this.#sessionOf[slot] = no;
    this.kinds[slot] = kind;
    this.tools[slot] = tool;
    this.ats[slot] = at;
  }

  /** Bytes held per vector: int8 components, the bit code, and the slot's columns (estimated). */
  bytesPerVector(): number {
    return this.dims + 4 * this.codeWords + 8 * 5 + 16;
  }

  /**
   * The `topK` best wanted slots: exact over every slot when the store is small, else exact over the
   * candidates the bit pre-filter keeps (recall, not exactness, is what the pre-filter gives up).
   */
  search(q: Int8Array, wanted: ((slot: number) => boolean) | null, topK: number): StoreHit[] {
    const keep = candidatesFor(topK, this.count);
    if (this.count <= EXACT_BELOW * keep * this.parts.length) return this.exact(q, wanted, topK);
    return this.#rescore(q, this.#candidates(q, wanted, keep), topK);
  }

  /** Every wanted slot scored exactly (the reference the pre-filter is measured against). */
  exact(q: Int8Array, wanted: ((slot: number) => boolean) | null, topK: number): StoreHit[] {
    const slots: number[] = [];
    for (let slot = 0; slot < this.count; slot++) if (!wanted || wanted(slot)) slots.push(slot);
    return this.#rescore(q, slots, topK);
  }

  /** Union over parts of the `keep` slots whose codes best match the query's in that part. */
  #candidates(q: Int8Array, wanted: ((slot: number) => boolean) | null, keep: number): number[] {
    const qCode = new Uint32Array(this.codeWords);
    encode(q, 0, this.parts, qCode, 0);
    if (this.#scores.length < this.count) this.#scores = new Int32Array(this.codes.length / this.codeWords);
    const scores = this.#scores;
    const chosen = new Set<number>();
    const byParts = this.parts.length > 1;
    const sessionOf = this.#sessionOf;
    // Per part, each session's best slot by code: a session is scored on every part's best document,
    // so a candidate session brings its best of each other part along.
    const bestOf = byParts
      ? this.parts.map(() => ({ slot: new Int32Array(this.#sessionNo.size).fill(-1), score: new Int32Array(this.#sessionNo.size).fill(-1) }))
      : [];
    const { starts, words } = this.#layout;
    for (let p = 0; p < this.parts.length; p++) {
      const span = 32 * words[p]!;
      // Only the query's non-empty words can score (a sparse query touches few).
      const live: number[] = [];
      for (let w = 0; w < words[p]!; w++) if (qCode[starts[p]! + 2 * w]! | qCode[starts[p]! + 2 * w + 1]!) live.push(starts[p]! + 2 * w);
      const histogram = new Int32Array(2 * span + 2);
      let wantedCount = 0;
      const cw = this.codeWords;
      const codes = this.codes;
      for (let slot = 0; slot < this.count; slot++) {
        if (wanted && !wanted(slot)) {
          scores[slot] = -1;
          continue;
        }
        let s = span;
        const base = slot * cw;
        for (let i = 0; i < live.length; i++) {
          const o = live[i]!;
          const qp = qCode[o]!;
          const qn = qCode[o + 1]!;
          const xp = codes[base + o]!;
          const xn = codes[base + o + 1]!;
          s += popcount((qp & xp) | (qn & xn)) - popcount((qp & xn) | (qn & xp));
        }
        scores[slot] = s;
        histogram[s]!++;
        wantedCount++;
        if (byParts) {
          const best = bestOf[p]!;
          const no = sessionOf[slot]!;
          if (s > best.score[no]!) (best.score[no] = s), (best.slot[no] = slot);
        }
      }
      // A narrow filter (one person's sessions, one tool) leaves few enough to score them all exactly.
      if (wantedCount <= EXACT_BELOW * keep * this.parts.length) {
        const all: number[] = [];
        for (let slot = 0; slot < this.count; slot++) if (scores[slot]! >= 0) all.push(slot);
        return all;
      }
      // The score at which `keep` slots are reached; every slot above it and enough of those at it.
      let cut = histogram.length - 1;
      for (let seen = 0; cut > 0 && seen + histogram[cut]! < keep; cut--) seen += histogram[cut]!;
      let atCut = keep;
      for (let h = histogram.length - 1; h > cut; h--) atCut -= histogram[h]!;
      for (let slot = 0; slot < this.count; slot++) {
        const s = scores[slot]!;
        if (s > cut || (s === cut && atCut-- > 0)) chosen.add(slot);
      }
    }
    if (byParts) for (const slot of [...chosen]) for (const best of bestOf) chosen.add(best.slot[sessionOf[slot]!]!);
    return [...chosen];
  }

  #rescore(q: Int8Array, slots: readonly number[], topK: number): StoreHit[] {
    this.rescored = slots.length;
    if (this.parts.length > 1) return this.#rescoreByParts(q, slots, topK);
    const top = new TopK<number>(topK);
    for (const slot of slots) top.push(dotInt8(this.vecs, slot * this.dims, q, this.dims), slot);
    return top.sorted().map(({ score, item }) => ({ slot: item, score }));
  }

  /**
   * One hit per session, scored as the sum over parts of that part's best document: a session whose
   * meaning is in its prompt and whose wording is in a tool call scores on both, which the best
   * single document (one cosine over the whole vector) would average away. The hit names the
   * document best on the whole vector, for the snippet.
   */
  #rescoreByParts(q: Int8Array, slots: readonly number[], topK: number): StoreHit[] {
    const n = this.parts.length;
    const best = new Map<string, { parts: Float64Array; slot: number; whole: number }>();
    const scores = new Float64Array(n);
    for (const slot of slots) {
      let off = 0;
      let whole = 0;
      for (let p = 0; p < n; p++) {
        const len = this.parts[p]!;
        scores[p] = dotInt8(this.vecs, slot * this.dims + off, off === 0 ? q : q.subarray(off), len);
        whole += scores[p]!;
        off += len;
      }
      const b = best.get(this.sessions[slot]!);
      if (!b) best.set(this.sessions[slot]!, { parts: scores.slice(), slot, whole });
      else {
        for (let p = 0; p < n; p++) b.parts[p] = Math.max(b.parts[p]!, scores[p]!);
        if (whole > b.whole) (b.slot = slot), (b.whole = whole);
      }
    }
    const top = new TopK<number>(topK);
    for (const b of best.values())
      top.push(
        b.parts.reduce((x, y) => x + y, 0),
        b.slot,
      );
    return top.sorted().map(({ score, item }) => ({ slot: item, score }));
  }
}

/**
 * The `Embedder` interface and Tower's local, deterministic implementation. Production embeds
 * with Workers AI (workers-ai.ts); dev and tests use `HashEmbedder`, which runs anywhere with no
 * weights: hashed stems, coding-domain concepts, word bigrams and character trigrams, sublinear
 * tf, signed feature hashing, L2-normalised. Same text → same vector, on every machine.
 */
import { CONCEPTS } from "./concepts";
import { isStopword, stem, words } from "./tokenize";

export interface Embedder {
  /** A name recorded with the vectors, so vectors of different embedders are never compared. */
  readonly model: string;
  readonly dimensions: number;
  /**
   * Lengths of the independently normalised sub-vectors the vector is made of, when it is more than
   * one (local-embedder.ts); an index may then score each part's best document per session apart.
   */
  readonly parts?: readonly number[];
  embed(texts: readonly string[]): Promise<Float32Array[]>;
}

/**
 * Whether a document says enough to be compared by meaning: at least two distinct words of two or
 * more letters that are not stopwords. A tool output like `201` or `ok` has none, and its vector
 * (near zero, or one hashed feature) would sit close to unrelated short queries.
 */
export function worthEmbedding(text: string): boolean {
  const seen = new Set<string>();
  for (const w of words(text.slice(0, 2000))) {
    if (w.length < 2 || !/^\p{L}+$/u.test(w) || isStopword(w)) continue;
    seen.add(w);
    if (seen.size >= 2) return true;
  }
  return false;
}

/** Feature weights of the local embedder; `concepts: 0` and `trigrams: 0` give a plain hashed bag of words. */
export interface HashWeights {
  stems: number;
  concepts: number;
  bigrams: number;
  trigrams: number;
}

export const DEFAULT_WEIGHTS: HashWeights = { stems: 1, concepts: 1.6, bigrams: 0.5, trigrams: 0.25 };

/** FNV-1a, 32 bits. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class HashEmbedder implements Embedder {
  readonly model: string;

  constructor(
    readonly dimensions = 384,
    private readonly weights: HashWeights = DEFAULT_WEIGHTS,
    /** Only for comparing variants side by side: vectors are stored and looked up under this name. */
    variant = "",
  ) {
    this.model = `tower-hash-v1-${dimensions}${variant ? `-${variant}` : ""}`;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    return texts.map((t) => this.embedOne(t));
  }

  embedOne(text: string): Float32Array {
    const counts = new Map<string, number>();
    const add = (f: string, w: number) => {
      if (w > 0) counts.set(f, (counts.get(f) ?? 0) + w);
    };
    const ws = words(text.slice(0, 4000)).filter((w) => !isStopword(w) && w.length > 1);
    let prev: string | null = null;
    for (const w of ws) {
      const s = stem(w);
      add(`w:${s}`, this.weights.stems);
      const concept = CONCEPTS.get(s) ?? CONCEPTS.get(w);
      if (concept) add(`c:${concept}`, this.weights.concepts);
      if (prev) add(`b:${prev}_${s}`, this.weights.bigrams);
      prev = s;
      if (this.weights.trigrams > 0 && w.length >= 4 && !/^\d+$/.test(w)) {
        const padded = `<${w}>`;
        for (let i = 0; i + 3 <= padded.length; i++) add(`t:${padded.slice(i, i + 3)}`, this.weights.trigrams);
      }
    }
    const v = new Float32Array(this.dimensions);
    for (const [f, c] of counts) {
      const h = hash(f);
      // Sublinear tf, and a sign bit so that collisions cancel out instead of piling up.
      v[h % this.dimensions]! += (h & 0x80000000 ? -1 : 1) * (1 + Math.log(c));
    }
    return normalize(v);
  }
}

/** Scales a vector to unit length in place (a zero vector stays zero). */
export function normalize(v: Float32Array): Float32Array {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i]! * v[i]!;
  if (n === 0) return v;
  const inv = 1 / Math.sqrt(n);
  for (let i = 0; i < v.length; i++) v[i]! *= inv;
  return v;
}

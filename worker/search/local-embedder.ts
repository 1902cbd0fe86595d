/**
 * The embedder `npm start`, dev and tests use: a meaning part (GloVe word vectors, word-embedder.ts)
 * beside a wording part (hashed stems, concepts and trigrams, embedder.ts), each unit length and
 * scaled by 1/√2, so one cosine is the mean of the two. `parts` lets the local index score each
 * part's best document per session on its own (local-vector-index.ts): meaning from one passage,
 * wording from another.
 */
import { HashEmbedder, type Embedder } from "./embedder";
import { decodeTable, WordVectorEmbedder } from "./word-embedder";
import { VECTORS_B64, WORD_DIMS, WORDS } from "./word-vectors.gen";

export class LocalEmbedder implements Embedder {
  readonly model: string;
  readonly dimensions: number;
  readonly parts: readonly number[];

  constructor(
    readonly meaning: WordVectorEmbedder,
    readonly wording: HashEmbedder,
  ) {
    this.parts = [meaning.dimensions, wording.dimensions];
    this.dimensions = meaning.dimensions + wording.dimensions;
    this.model = `tower-local-v2:${meaning.model}+${wording.model}`;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    return texts.map((t) => this.embedOne(t));
  }

  embedOne(text: string): Float32Array {
    const v = new Float32Array(this.dimensions);
    const half = Math.SQRT1_2;
    const meaning = this.meaning.embedOne(text);
    const wording = this.wording.embedOne(text);
    for (let i = 0; i < meaning.length; i++) v[i] = meaning[i]! * half;
    for (let i = 0; i < wording.length; i++) v[meaning.length + i] = wording[i]! * half;
    return v;
  }
}

let shared: LocalEmbedder | undefined;

/** Built on first use (decoding the table takes ~50 ms), then shared by every request of the isolate. */
export function localEmbedder(): LocalEmbedder {
  shared ??= new LocalEmbedder(new WordVectorEmbedder(decodeTable(WORD_DIMS, WORDS, VECTORS_B64)), new HashEmbedder(384));
  return shared;
}

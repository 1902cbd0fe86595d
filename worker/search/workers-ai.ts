/**
 * The production `Embedder` on Workers AI (`@cf/baai/bge-small-en-v1.5`, 384 dimensions). Inputs
 * go in batches (the model takes at most 100 texts a call) and are trimmed, since the model reads
 * at most 512 tokens anyway. The response is parsed, never trusted.
 */
import { z } from "zod";
import type { Embedder } from "./embedder";
import { normalize } from "./embedder";

export const WORKERS_AI_MODEL = "@cf/baai/bge-small-en-v1.5";
const BATCH = 100;
const Output = z.object({ data: z.array(z.array(z.number())) });

export interface AiRunner {
  run(model: string, input: { text: string[] }): Promise<unknown>;
}

export class WorkersAiEmbedder implements Embedder {
  readonly model = WORKERS_AI_MODEL;
  readonly dimensions = 384;

  constructor(private readonly ai: AiRunner) {}

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += BATCH) {
      const r = Output.parse(await this.ai.run(this.model, { text: texts.slice(i, i + BATCH).map((t) => t.slice(0, 2000)) }));
      for (const v of r.data) out.push(normalize(Float32Array.from(v)));
    }
    return out;
  }
}

/**
 * Chooses the search implementations for this deployment: `SEARCH_BACKEND = "cloudflare"` (the
 * production wrangler environment) uses Workers AI and Vectorize; `"local"` (dev, tests, the
 * default) uses the local embedder (GloVe word vectors shipped in the bundle, plus hashed wording;
 * local-embedder.ts) and vectors in D1. A cloudflare backend without its
 * bindings fails loudly instead of silently searching nothing.
 */
import { z } from "zod";
import type { Db } from "../db/client";
import type { Embedder } from "./embedder";
import type { SearchDeps } from "./engine";
import { localEmbedder } from "./local-embedder";
import { LocalVectorIndex } from "./local-vector-index";
import type { VectorIndex } from "./vector-index";
import { VectorizeVectorIndex, type VectorizeBinding } from "./vectorize";
import { WorkersAiEmbedder, type AiRunner } from "./workers-ai";

/**
 * `false` in the production build, `true` in every other (wrangler.toml's [define], the test configs'
 * `define`): a literal, so esbuild drops the local embedder and its 4 MB word table from the bundle
 * that never uses them.
 */
declare const TOWER_LOCAL_SEARCH: boolean;

const Backend = z.enum(["local", "cloudflare"]).default("local");

/** The bindings only the production environment has; absent from dev and tests (see wrangler.toml). */
interface CloudBindings {
  AI?: AiRunner;
  VECTORIZE?: VectorizeBinding;
  SEARCH_BACKEND?: string;
}

export function searchDeps(env: object, db: Db): SearchDeps {
  const e = env as CloudBindings;
  const backend = Backend.parse(e.SEARCH_BACKEND || undefined);
  if (backend === "cloudflare") {
    if (!e.AI || !e.VECTORIZE) throw new Error("SEARCH_BACKEND is cloudflare but the AI or VECTORIZE binding is missing; deploy with --env production");
    const embedder: Embedder = new WorkersAiEmbedder(e.AI);
    const vectors: VectorIndex = new VectorizeVectorIndex(e.VECTORIZE);
    return { db, embedder, vectors };
  }
  if (TOWER_LOCAL_SEARCH) {
    const embedder = localEmbedder();
    return { db, embedder, vectors: new LocalVectorIndex(db, embedder.model, embedder.dimensions, "DB", embedder.parts) };
  }
  throw new Error("this build has no local search (the production build): set SEARCH_BACKEND to cloudflare");
}

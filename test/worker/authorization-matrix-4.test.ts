/** Shard 4 of 4 of the authorization matrix (test/worker/authorization-matrix.ts). */
import { defineMatrix } from "./authorization-matrix";

defineMatrix(3, 4);

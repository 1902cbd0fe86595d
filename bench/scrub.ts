/**
 * The scrubber on hostile input: how long scrubbing 100 KB takes for inputs built to make a
 * backtracking pattern go quadratic (a run of `TOKEN`, `a=`, `-----BEGIN`, `eyJ`, …), next to 100 KB of
 * ordinary transcript text, and how the time grows from 100 KB to 1 MB (about ×10 when linear, ×100
 * when quadratic). Pure (no server); part `scrub` of `npm run bench`.
 */
import { scrubText } from "../worker/domain/scrub";
import { stats, type Stats } from "./lib";

const PROSE = "Ran `npm test` in /src/app (12 passed); read src/auth/tokens.ts, TOKEN_COUNT=1234, see https://example.com/x?y=1.\n";

const INPUTS: Record<string, string> = {
  prose: PROSE,
  TOKEN: "TOKEN",
  "a=": "a=",
  "-----BEGIN ": "-----BEGIN ",
  "private key header": "-----BEGIN RSA PRIVATE KEY-----\n",
  eyJ: "eyJ",
  "eyJ.": "eyJ.",
  "password=": "password=",
  '"password":': '"password":',
  "https://a:": "https://a:",
  "Authorization: Bearer ": "Authorization: Bearer ",
};

const fill = (unit: string, bytes: number) => unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);

function timeOne(text: string, runs: number): Stats {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    scrubText(text);
    samples.push(performance.now() - t0);
  }
  return stats(samples);
}

export interface ScrubFigures {
  /** ms to scrub 100 KB of each input. */
  per100KB: Record<string, Stats>;
  /** p50 for 1 MB over p50 for 100 KB: about 10 when scrubbing is linear, about 100 when quadratic. */
  growth: Record<string, number>;
}

export function scrubBench(runs = 20): ScrubFigures {
  const per100KB: Record<string, Stats> = {};
  const growth: Record<string, number> = {};
  for (const [name, unit] of Object.entries(INPUTS)) {
    timeOne(fill(unit, 10_000), 3); // warm-up: compile the patterns
    per100KB[name] = timeOne(fill(unit, 100_000), runs);
    const big = timeOne(fill(unit, 1_000_000), Math.max(3, Math.round(runs / 4)));
    growth[name] = Math.round((big.p50 / Math.max(per100KB[name].p50, 0.01)) * 10) / 10;
  }
  return { per100KB, growth };
}

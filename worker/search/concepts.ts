/**
 * A small hand-written thesaurus of the coding domain for the local embedder: words that mean
 * the same thing to someone searching past sessions share a concept feature. Keys are stems (see
 * tokenize.ts) or raw words. This is what makes the offline embedder somewhat semantic.
 */
const GROUPS: Record<string, string> = {
  error: "error errors fail failure crash crashed exception throw thrown broken break bug bugs panic traceback stacktrace stack regression fault wrong",
  fix: "fix fixe fixed repair resolve resolv patch workaround solve solved correct hotfix",
  test: "test tests testing spec specs jest vitest mocha pytest unit e2e assertion assert coverage",
  flaky: "flaky flake intermittent intermittently nondeterministic sometimes random race racy timeout timing retry",
  auth: "auth authentication authenticate login logout signin signup sign oauth sso saml jwt session cookie credential credentials password",
  db: "db database databases sql sqlite postgres postgresql mysql d1 query queries table tables schema migration migrations index orm drizzle prisma",
  perf: "perf performance slow slowness latency fast faster speed speedup optimize optimise optimization throughput bottleneck profiling profile",
  deploy: "deploy deployment deploying release releases ship publish rollout rollback production prod staging ci pipeline pipelines workflow actions",
  ui: "ui css style styles styling layout button buttons page pages component components frontend react modal dialog form forms render rendering dark theme",
  container: "docker dockerfile container containers image kubernetes k8s helm pod pods compose",
  deps: "dependency dependencies package packages npm yarn pnpm upgrade bump version versions lockfile semver library libraries",
  memory: "memory leak leaks oom heap garbage allocation",
  cache: "cache caching cached redis memcached invalidate invalidation stale ttl",
  api: "api apis endpoint endpoints route routes routing http rest request requests response handler handlers graphql",
  docs: "doc docs documentation readme guide changelog comment comments",
  refactor: "refactor refactoring rename restructure cleanup clean extract split reorganize simplify",
  types: "type types typing typescript tsc typecheck generic generics interface interfaces",
  lint: "lint linter linting eslint prettier format formatting formatter style",
  config: "config configuration configure env environment setting settings variable variables flag flags option options dotenv",
  logging: "log logs logging logger trace tracing debug debugging observability metrics monitor monitoring",
  secret: "secret secrets key keys token tokens credential apikey vault",
  time: "date dates time timezone timezones utc timestamp clock dst",
  email: "email emails mail smtp newsletter notification notifications",
  payment: "payment payments stripe billing invoice invoices checkout subscription refund",
  storage: "upload uploads file files s3 bucket storage blob r2 download attachment",
  search: "search searching index indexing fulltext fts query lookup",
  realtime: "websocket websockets socket sockets realtime live stream streaming sse reconnect",
  queue: "queue queues job jobs worker background cron scheduler scheduled task tasks",
  network: "network dns proxy cors tls ssl certificate https port",
  git: "git commit commits branch branches merge rebase conflict pr pull",
};

/** stem-or-word → concept id. */
export const CONCEPTS: ReadonlyMap<string, string> = new Map(
  Object.entries(GROUPS).flatMap(([concept, list]) => list.split(" ").map((w) => [w, concept] as const)),
);

/**
 * The token shapes the scrubber redacts, ported from gitleaks' default rule set (config/gitleaks.toml)
 * and secretlint's recommended preset, rewritten so that each one runs in linear time: every pattern
 * starts at a fixed prefix that a lookbehind pins to the start of a word, and every quantifier is
 * bounded and applied to a single character class (never to a group), so a failed attempt costs at
 * most the pattern's bound. test/unit/scrub.test.ts checks that shape for every rule.
 */

export interface TokenRule {
  kind: string;
  re: RegExp;
  /** Keep the first capture group (a prefix that says what the secret is) and redact the rest. */
  keepPrefix?: boolean;
}

/** A secret token's body can be long; past this many characters the rest is left to the next rule. */
const B = 4096;
/** Not inside a longer word: the prefix must start a run of token characters. */
const START = String.raw`(?<![A-Za-z0-9_-])`;

const rule = (kind: string, source: string, flags = "g", keepPrefix = false): TokenRule => ({
  kind,
  re: new RegExp(source.replaceAll("{B}", String(B)), flags),
  ...(keepPrefix ? { keepPrefix } : {}),
});

export const TOKEN_RULES: TokenRule[] = [
  rule("anthropic-key", String.raw`${START}sk-ant-[A-Za-z0-9_-]{20,{B}}`),
  rule("openai-key", String.raw`${START}sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{32,{B}}`),
  rule("tower-token", String.raw`${START}tower_[A-Za-z0-9_-]{40,{B}}`),
  rule("github-token", String.raw`${START}(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{40,255})`),
  rule("gitlab-token", String.raw`${START}gl(?:pat|dt|ptt|rt|cbt|soat)-[A-Za-z0-9_-]{20,255}`),
  rule("slack-token", String.raw`${START}(?:xox[abposr]|xapp)-[A-Za-z0-9-]{10,255}`),
  rule("slack-webhook", String.raw`hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_-]{20,255}`),
  rule("discord-webhook", String.raw`discord(?:app)?\.com/api/webhooks/[0-9]{5,30}/[A-Za-z0-9_-]{20,255}`),
  rule("aws-access-key", String.raw`${START}(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])`),
  rule("google-api-key", String.raw`${START}AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])`),
  rule("google-oauth-secret", String.raw`${START}GOCSPX-[A-Za-z0-9_-]{24,64}`),
  rule("google-oauth-token", String.raw`${START}ya29\.[A-Za-z0-9_-]{20,{B}}`),
  rule("stripe-key", String.raw`${START}(?:sk|rk)_(?:live|test)_[0-9a-zA-Z]{24,255}`),
  rule("stripe-webhook-secret", String.raw`${START}whsec_[A-Za-z0-9+/=]{16,255}`),
  rule("sendgrid-key", String.raw`${START}SG\.[A-Za-z0-9_-]{20,24}\.[A-Za-z0-9_-]{39,50}`),
  rule("twilio-key", String.raw`${START}SK[0-9a-f]{32}(?![A-Za-z0-9])`),
  rule("npm-token", String.raw`${START}npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])`),
  rule("pypi-token", String.raw`${START}pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{20,{B}}`),
  rule("docker-token", String.raw`${START}dckr_pat_[A-Za-z0-9_-]{20,255}`),
  rule("shopify-token", String.raw`${START}shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}`),
  rule("huggingface-token", String.raw`${START}hf_[A-Za-z]{34}(?![A-Za-z0-9])`),
  rule("databricks-token", String.raw`${START}dapi[a-f0-9]{32}(?![A-Za-z0-9])`),
  rule("digitalocean-token", String.raw`${START}do[opr]_v1_[a-f0-9]{64}`),
  rule("postman-key", String.raw`${START}PMAK-[a-f0-9]{24}-[a-f0-9]{34}`),
  rule("linear-key", String.raw`${START}lin_api_[A-Za-z0-9]{40}`),
  rule("age-secret-key", String.raw`AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}`),
  rule("telegram-token", String.raw`(?<![0-9A-Za-z])[0-9]{8,10}:AA[A-Za-z0-9_-]{33}(?![A-Za-z0-9_-])`),
  rule("jwt", String.raw`${START}eyJ[A-Za-z0-9_-]{8,{B}}\.eyJ[A-Za-z0-9_-]{8,{B}}\.[A-Za-z0-9_-]{8,{B}}`),
  // A password between a URL's user and host: keep the user, redact the password.
  rule("url-password", String.raw`(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]{0,20}://[^\s:/@"'<>]{1,100}:)[^\s:@/"'<>]{1,200}(?=@)`, "g", true),
  // An Authorization header in any syntax (curl, HTTP, JSON, YAML): keep the header and its scheme.
  rule(
    "authorization",
    String.raw`(?<![A-Za-z0-9_-])((?:proxy-)?authorization\\?["']?[ \t]{0,8}[:=][ \t]{0,8}\\?["']?(?:bearer|basic|token|digest|bot)?[ \t]{0,8})[A-Za-z0-9._~+/-]{8,{B}}={0,2}`,
    "gi",
    true,
  ),
  rule("bearer", String.raw`(?<![A-Za-z0-9_-])([Bb]earer[ \t]{1,8})[A-Za-z0-9._~+/-]{20,{B}}={0,2}`, "g", true),
  // Azure connection strings: the value of AccountKey / SharedAccessKey / SharedAccessSignature.
  rule("azure-key", String.raw`(?<![A-Za-z0-9])((?:AccountKey|SharedAccessKey|SharedAccessSignature)=)[^;\s"']{16,{B}}`, "g", true),
];

import { describe, expect, it } from "vitest";
import { scrubPartial, scrubText } from "../../worker/domain/scrub";
import { SECRETS } from "./scrub-corpus";

/** Six-character runs of `secret` that the scrubbed finished text does not show. */
function hiddenRuns(secret: string, finished: string): string[] {
  const shown = scrubText(finished);
  const runs: string[] = [];
  for (let i = 0; i + 6 <= secret.length; i++) if (!shown.includes(secret.slice(i, i + 6))) runs.push(secret.slice(i, i + 6));
  return runs;
}

describe("scrubPartial: text still being written", () => {
  it.each(SECRETS)("%s: no prefix of the text shows any part the finished text hides", (_name, text, secret) => {
    for (const finished of [`Here: ${text} and then some more words.\n`]) {
      const hidden = hiddenRuns(secret, finished);
      for (let end = 1; end <= finished.length; end++) {
        const partial = scrubPartial(finished.slice(0, end));
        for (const run of hidden) expect(partial, `prefix of ${end} chars`).not.toContain(run);
      }
    }
  });

  it("shows a finished line in full, scrubbed exactly as the finished text", () => {
    for (const [, text] of SECRETS) expect(scrubPartial(`${text}\n`)).toBe(scrubText(`${text}\n`));
  });

  it("shows the words of the line being written up to its last blank", () => {
    expect(scrubPartial("Once upon a ti")).toBe("Once upon a ");
    expect(scrubPartial("line one\nline tw")).toBe("line one\nline ");
  });

  it("holds back an open quoted value of a secret assignment, even across blanks", () => {
    expect(scrubPartial('password = "correct horse battery')).toBe("password = ");
    expect(scrubPartial('password = "correct horse battery" and more ')).toBe('password = "[REDACTED:secret]" and more ');
  });
});

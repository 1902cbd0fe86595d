/**
 * CLI parsing shared by `tower launch --template` and `tower pipeline run`: `--param k=v` (repeatable)
 * into a record, and `NAME[@version]` into its parts. Values stay strings; the server coerces them by
 * each parameter's declared type, so the CLI and the web form follow one rule.
 */
import { InvalidArgumentError } from "commander";

export function paramFlag(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const eq = value.indexOf("=");
  if (eq <= 0) throw new InvalidArgumentError(`"${value}" is not k=v; write --param name=value`);
  return { ...previous, [value.slice(0, eq).trim()]: value.slice(eq + 1) };
}

/** `fix-flaky@3` → { name: "fix-flaky", version: 3 }; without `@` the latest version is meant. */
export function templateRef(value: string): { name: string; version?: number } {
  const at = value.lastIndexOf("@");
  if (at <= 0) return { name: value };
  const version = Number(value.slice(at + 1));
  if (!Number.isInteger(version) || version < 1) throw new InvalidArgumentError(`"${value}": the version after @ must be a whole number ≥ 1`);
  return { name: value.slice(0, at), version };
}

#!/usr/bin/env node
// The `tower` command. The CLI is TypeScript run through tsx, so there is no build step to forget.
import { register } from "tsx/esm/api";

register();
await import("../cli/main.ts");

/** Runs once before the browser tests: make sure Chromium is there (installing it if we may). */
import { findChromium } from "./chromium";

export default function setup(): void {
  findChromium({ install: true });
}

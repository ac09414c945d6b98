#!/usr/bin/env node
/** `npm run demo`: runs the offline demo and exits with its code. */
import { runDemo } from "./run-demo.js";

runDemo().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);

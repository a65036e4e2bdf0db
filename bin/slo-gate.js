#!/usr/bin/env node
// The command-line twin of the app. Runs the compiled code in lib/ (built by `npm ci` through `prepare`).
import { run } from '../lib/cli.js';

const io = {
  env: process.env,
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};
process.exitCode = await run(process.argv.slice(2), io);

#!/usr/bin/env node
// Entry of the `livebind` command: runs the compiled CLI (npm run build produces dist/).
import { runCli } from '../dist/cli.js';

runCli(process.argv.slice(2)).then((code) => process.exit(code));

#!/usr/bin/env node
/** The `packyard` executable: runs the CLI and sets the exit code. */
import { runCli } from './cli/run-cli.js'
import { readStdin } from './cli/read-input.js'

const exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  readStdin,
})
process.exitCode = exitCode

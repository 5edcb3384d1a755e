/** The `--format env` output of `packyard issuer job create`: what `buildkite-agent oidc request-token` reads. */

export interface CreatedJobOutput {
  readonly job_id: string
  readonly agent_access_token: string
  readonly endpoint: string
}

/** Three `export NAME='value'` lines for `eval "$(packyard issuer job create ... --format env)"`. */
export function formatJobExports(job: CreatedJobOutput): string {
  return [
    `export BUILDKITE_AGENT_ENDPOINT=${quoteForShell(job.endpoint)}`,
    `export BUILDKITE_AGENT_ACCESS_TOKEN=${quoteForShell(job.agent_access_token)}`,
    `export BUILDKITE_JOB_ID=${quoteForShell(job.job_id)}`,
  ].join('\n') + '\n'
}

/** POSIX single quotes: nothing inside is special but `'`, which is closed, escaped and reopened. */
export function quoteForShell(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`
}

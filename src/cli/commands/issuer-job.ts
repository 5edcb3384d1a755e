/**
 * `packyard issuer job create` (DESIGN.md 1.6): registers a job with a running server's embedded issuer over
 * HTTP (`POST /issuer/v3/jobs`) and prints what a job's agent needs to request tokens. An HTTP client: it loads
 * nothing of the server.
 */
import { z } from 'zod'
import { callServerApi, readServerTarget, SERVER_HELP, SERVER_OPTIONS } from '../call-server-api.js'
import { EXIT_OK, EXIT_REFUSED, UsageError, type Command } from '../command.js'
import { formatJobExports } from '../format-job-exports.js'
import { parseOptions, requireOption, stringOption, type ParsedOptions } from '../parse-options.js'

const USAGE = `Usage: packyard issuer job create --server URL --token ADMIN_TOKEN --org ORG --pipeline PIPELINE
         --branch BRANCH --commit SHA --build-number N [options] [--format json|env]

Registers a job with the server's embedded OIDC issuer and prints its id, its agent access token (shown once)
and the agent endpoint. With --format env, prints them as the three exports \`packyard oidc request-token\`
and \`buildkite-agent oidc request-token\` read:

  JOB=$(packyard issuer job create ... --format env) && eval "$JOB"

Options:
${SERVER_HELP}
                      (an organization's admin API token may create jobs for that organization only)
  --org SLUG          organization_slug
  --pipeline SLUG     pipeline_slug
  --branch BRANCH     build_branch
  --tag TAG           build_tag (sub then names refs/tags/TAG)
  --commit SHA        build_commit
  --build-number N    build_number
  --step-key KEY      step_key (default none: null)
  --source S          build_source: ui, api (default), webhook, trigger_job, schedule
  --runner-environment E   self-hosted (default) or buildkite-hosted
  --cluster-id UUID, --cluster-name NAME, --queue-id UUID, --queue-key KEY
                      optional claims the job's tokens may carry
  --agent-tag NAME=VALUE   an agent tag (agent_tag:NAME); repeatable
  --expires-in SECONDS     how long the agent access token works (default 86400, at most 604800)
  --format json|env   output format (default json)
  -h, --help          show this help

Exit status: 0 created, 1 refused by the server or unreachable, 2 usage error.
`

const OPTIONS = {
  ...SERVER_OPTIONS,
  org: { type: 'string' },
  pipeline: { type: 'string' },
  branch: { type: 'string' },
  tag: { type: 'string' },
  commit: { type: 'string' },
  'build-number': { type: 'string' },
  'step-key': { type: 'string' },
  source: { type: 'string' },
  'runner-environment': { type: 'string' },
  'cluster-id': { type: 'string' },
  'cluster-name': { type: 'string' },
  'queue-id': { type: 'string' },
  'queue-key': { type: 'string' },
  'agent-tag': { type: 'string', multiple: true },
  'expires-in': { type: 'string' },
  format: { type: 'string' },
} as const

/** Flags copied as they are into the request body. */
const OPTIONAL_STRING_FIELDS = {
  tag: 'build_tag', 'step-key': 'step_key', source: 'build_source', 'runner-environment': 'runner_environment',
  'cluster-id': 'cluster_id', 'cluster-name': 'cluster_name', 'queue-id': 'queue_id', 'queue-key': 'queue_key',
} as const

const CreatedJob = z.object({ job_id: z.string(), agent_access_token: z.string(), endpoint: z.string(), expires_at: z.string() })

export const issuerJobCreateCommand: Command = {
  usage: USAGE,
  run: async (args, io) => {
    const parsed = parseOptions(args, OPTIONS, 0)
    if (parsed.help) {
      io.stdout(USAGE)
      return EXIT_OK
    }
    const format = stringOption(parsed, 'format') ?? 'json'
    if (format !== 'json' && format !== 'env') throw new UsageError(`--format must be json or env, got ${JSON.stringify(format)}`)
    const target = readServerTarget(parsed, io.env)
    const answer = await callServerApi(target, 'POST', '/issuer/v3/jobs', buildJobRequest(parsed))
    const created = answer.ok ? CreatedJob.safeParse(answer.body) : null
    if (created === null || !created.success) {
      io.stderr(`packyard issuer job create: ${answer.ok ? 'the server answered an unexpected body' : answer.message}\n`)
      return EXIT_REFUSED
    }
    const job = created.data
    io.stdout(format === 'env' ? formatJobExports(job) : `${JSON.stringify({ job_id: job.job_id, agent_access_token: job.agent_access_token, endpoint: job.endpoint, expires_at: job.expires_at })}\n`)
    return EXIT_OK
  },
}

/** The `POST /issuer/v3/jobs` body; values are checked by the server, only their types here. */
function buildJobRequest(parsed: ParsedOptions): Record<string, unknown> {
  const body: Record<string, unknown> = {
    organization_slug: requireOption(parsed, 'org'),
    pipeline_slug: requireOption(parsed, 'pipeline'),
    build_branch: requireOption(parsed, 'branch'),
    build_commit: requireOption(parsed, 'commit'),
    build_number: readWholeNumber(requireOption(parsed, 'build-number'), '--build-number'),
  }
  for (const [flag, field] of Object.entries(OPTIONAL_STRING_FIELDS)) {
    const value = stringOption(parsed, flag)
    if (value !== undefined) body[field] = value
  }
  const expiresIn = stringOption(parsed, 'expires-in')
  if (expiresIn !== undefined) body.expires_in = readWholeNumber(expiresIn, '--expires-in')
  const tags = parsed.values['agent-tag']
  if (Array.isArray(tags)) body.agent_tags = Object.fromEntries(tags.map(readAgentTag))
  return body
}

function readWholeNumber(text: string, flag: string): number {
  if (!/^\d{1,15}$/.test(text)) throw new UsageError(`${flag} must be a whole number, got ${JSON.stringify(text)}`)
  return Number(text)
}

function readAgentTag(text: string): [string, string] {
  const equals = text.indexOf('=')
  if (equals <= 0) throw new UsageError(`--agent-tag must be NAME=VALUE, got ${JSON.stringify(text)}`)
  return [text.slice(0, equals), text.slice(equals + 1)]
}

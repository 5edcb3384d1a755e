/**
 * A job's claims as the embedded issuer stores them: everything a token of the job may say about it, with the
 * names of Buildkite's token claims (reference/buildkite.md §3.3). Parsed with this schema when read back, so
 * a row written by a newer version or by hand cannot put an unexpected value into a token.
 */
import { z } from 'zod'

/** Buildkite's `build_source` values. */
export const BUILD_SOURCES = ['ui', 'api', 'webhook', 'trigger_job', 'schedule'] as const

/** Buildkite's `runner_environment` values. */
export const RUNNER_ENVIRONMENTS = ['self-hosted', 'buildkite-hosted'] as const

/**
 * Names and refs go into the colon-separated `sub` (`organization:{org}:pipeline:{pipeline}:ref:...`): a colon
 * in one of them would let a job forge the fields after it (a branch `main:commit:abc`), so none may hold one.
 * Git refuses colons and whitespace in ref names anyway (git-check-ref-format).
 */
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9_-]{0,99}$/
export const REF_NAME_PATTERN = /^[^\s:\p{Cc}]{1,255}$/u
export const COMMIT_PATTERN = /^(HEAD|[0-9a-f]{7,64})$/
/** Step keys end the `sub`, so a colon cannot forge another field; whitespace and control characters are refused. */
export const STEP_KEY_PATTERN = /^[^\s\p{Cc}]{1,100}$/u
export const AGENT_TAG_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,100}$/

export const JobClaims = z.strictObject({
  organization_slug: z.string().regex(SLUG_PATTERN),
  pipeline_slug: z.string().regex(SLUG_PATTERN),
  build_number: z.int().min(1),
  build_branch: z.string().regex(REF_NAME_PATTERN),
  build_tag: z.string().regex(REF_NAME_PATTERN).nullable(),
  build_commit: z.string().regex(COMMIT_PATTERN),
  step_key: z.string().regex(STEP_KEY_PATTERN).nullable(),
  job_id: z.uuid(),
  agent_id: z.uuid(),
  build_source: z.enum(BUILD_SOURCES),
  runner_environment: z.enum(RUNNER_ENVIRONMENTS),
  organization_id: z.uuid(),
  pipeline_id: z.uuid(),
  build_id: z.uuid(),
  cluster_id: z.uuid().nullable(),
  cluster_name: z.string().min(1).max(255).nullable(),
  queue_id: z.uuid().nullable(),
  queue_key: z.string().min(1).max(255).nullable(),
  agent_tags: z.record(z.string().regex(AGENT_TAG_NAME_PATTERN), z.string().max(255)),
})
export type JobClaims = z.infer<typeof JobClaims>

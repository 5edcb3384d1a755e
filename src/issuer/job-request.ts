/**
 * The body of `POST /issuer/v3/jobs`: a job's claims as its creator states them, validated at the edge. Optional
 * claims default as Buildkite's would for an API-triggered build on a self-hosted agent.
 */
import { z } from 'zod'
import { DEFAULT_AGENT_TOKEN_LIFETIME_SECONDS, MAX_AGENT_TOKEN_LIFETIME_SECONDS } from './issuer-limits.js'
import {
  AGENT_TAG_NAME_PATTERN, BUILD_SOURCES, COMMIT_PATTERN, REF_NAME_PATTERN, RUNNER_ENVIRONMENTS, SLUG_PATTERN, STEP_KEY_PATTERN,
} from './job-claims.js'

/** Agent tags per job: real agents carry a handful. */
const MAX_AGENT_TAGS = 50

const slug = (what: string) => z.string().regex(SLUG_PATTERN, `${what} must be a lowercase slug (a-z, 0-9, -, _), at most 100 characters`)
const refName = (what: string) => z.string().regex(REF_NAME_PATTERN, `${what} must be 1-255 characters without whitespace or ':'`)

export const NewJobRequest = z.strictObject({
  organization_slug: slug('organization_slug'),
  pipeline_slug: slug('pipeline_slug'),
  build_number: z.int().min(1).max(Number.MAX_SAFE_INTEGER),
  build_branch: refName('build_branch'),
  build_tag: refName('build_tag').nullable().default(null),
  build_commit: z.string().regex(COMMIT_PATTERN, 'build_commit must be a lowercase hex commit SHA (7-64 digits) or HEAD'),
  step_key: z.string().regex(STEP_KEY_PATTERN, 'step_key must be 1-100 characters without whitespace').nullable().default(null),
  build_source: z.enum(BUILD_SOURCES).default('api'),
  runner_environment: z.enum(RUNNER_ENVIRONMENTS).default('self-hosted'),
  cluster_id: z.uuid().nullable().default(null),
  cluster_name: z.string().min(1).max(255).nullable().default(null),
  queue_id: z.uuid().nullable().default(null),
  queue_key: z.string().min(1).max(255).nullable().default(null),
  agent_tags: z
    .record(z.string().regex(AGENT_TAG_NAME_PATTERN, 'agent tag names are 1-100 of A-Z a-z 0-9 _ . -'), z.string().max(255))
    .refine((tags) => Object.keys(tags).length <= MAX_AGENT_TAGS, `at most ${String(MAX_AGENT_TAGS)} agent tags`)
    .default({}),
  /** How long the agent access token works, in seconds. */
  expires_in: z.int().min(1).max(MAX_AGENT_TOKEN_LIFETIME_SECONDS).default(DEFAULT_AGENT_TOKEN_LIFETIME_SECONDS),
})
export type NewJobRequest = z.infer<typeof NewJobRequest>

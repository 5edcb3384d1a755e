/**
 * The `issuers:` list of the server configuration (DESIGN.md 1.2), also read by `packyard policy check
 * --issuers FILE`. This module only checks the shape; `oidc/resolve-trusted-issuers.ts` turns entries into
 * `TrustedIssuer`s.
 */
import { z } from 'zod'
import { AppError } from '../errors.js'
import { parseSafeYaml } from '../lib/safe-yaml.js'

/** The longest clock skew an operator may configure: beyond a minute, a stolen token lives noticeably longer. */
export const MAX_CLOCK_SKEW_SECONDS = 60

const ALGORITHM = z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'])
const HTTP_URL = z.url({ protocol: /^https?$/ })

/** Settings every entry may give, a preset's included (they override the preset's own). */
const VERIFICATION_SETTINGS = {
  algorithms: z.array(ALGORITHM).min(1).optional(),
  max_lifetime_seconds: z.int().min(1).max(86_400).optional(),
  clock_skew_seconds: z.int().min(0).max(MAX_CLOCK_SKEW_SECONDS).optional(),
  tenant_claims: z.array(z.string().min(1)).optional(),
  jwks_uri: HTTP_URL.optional(),
  allow_insecure_http: z.boolean().optional(),
  allow_private_addresses: z.boolean().optional(),
}

export const PresetIssuerEntry = z.strictObject({
  preset: z.enum(['buildkite', 'github', 'gitlab', 'circleci']),
  ...VERIFICATION_SETTINGS,
})

export const CustomIssuerEntry = z.strictObject({
  issuer: HTTP_URL,
  ...VERIFICATION_SETTINGS,
})

export const IssuerEntry = z.union([PresetIssuerEntry, CustomIssuerEntry])
export type IssuerEntry = z.infer<typeof IssuerEntry>

export const IssuerEntries = z.array(IssuerEntry).min(1)

/** The default list when none is configured: the four presets. */
export const DEFAULT_ISSUER_ENTRIES: readonly IssuerEntry[] = Object.freeze([
  { preset: 'buildkite' },
  { preset: 'github' },
  { preset: 'gitlab' },
  { preset: 'circleci' },
])

/**
 * Reads a YAML or JSON file's text holding `issuers: [...]`.
 * @throws AppError `config_invalid` naming every problem.
 */
export function parseIssuersFile(source: string, fileName: string): readonly IssuerEntry[] {
  const { value, problems } = parseSafeYaml(source)
  if (problems.length > 0) {
    const lines = problems.map((p) => `${fileName}:${String(p.line)}:${String(p.column)}: ${p.message}`)
    throw new AppError('config_invalid', lines.join('\n'))
  }
  const parsed = z.strictObject({ issuers: IssuerEntries }).safeParse(value)
  if (!parsed.success) {
    throw new AppError('config_invalid', `${fileName}: ${z.prettifyError(parsed.error)}`)
  }
  return Object.freeze(parsed.data.issuers)
}

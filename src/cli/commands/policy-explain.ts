/**
 * `packyard policy explain --policy FILE (--token JWT | --claims FILE) [--audience URL] [--issuers FILE] [--json]`
 * (DESIGN.md 1.6): exit 0 accept, 1 reject.
 */
import { decodeJwt } from 'jose'
import { systemClock } from '../../lib/clock.js'
import { isJsonObject } from '../../lib/is-json-object.js'
import { createTokenVerifier } from '../../oidc/verify-id-token.js'
import type { TrustedIssuer } from '../../oidc/trusted-issuer.js'
import { checkPolicy } from '../../policy/check-policy.js'
import { explainPolicy } from '../../policy/explain-policy.js'
import { EXIT_OK, EXIT_REFUSED, EXIT_USAGE, UsageError, type CliIo, type Command } from '../command.js'
import { formatExplanation, formatProblem, type ExplainOutput } from '../format-policy.js'
import { loadTrustedIssuers } from '../load-trusted-issuers.js'
import { parseOptions, requireOption, stringOption, type ParsedOptions } from '../parse-options.js'
import { readTextFile } from '../read-input.js'

const USAGE = `Usage: packyard policy explain --policy FILE (--token JWT | --claims FILE) [--audience URL] [--json]

Shows how a policy decides on a token or a set of claims: which statement matches and, for every
statement, each rule with its expected and actual value.

Options:
  --policy FILE    the policy (YAML or JSON)
  --token JWT      an OIDC token; \`-\` reads it from standard input (keeps it out of the process list)
  --claims FILE    a JSON object of claims, explained as given
  --audience URL   verify the token first (signature, issuer, audience, lifetime), as the registry
                   {public_url}/{org}/{registry} would; without it the token's claims are read unverified
  --issuers FILE   the \`issuers:\` list to trust (default: the buildkite, github, gitlab and circleci presets)
  --json           print the explain result as JSON
  -h, --help       show this help

Exit status: 0 accept, 1 reject, 2 usage error or invalid policy.
`

export const policyExplainCommand: Command = {
  usage: USAGE,
  run: async (args, io) => {
    const parsed = parseOptions(
      args,
      {
        policy: { type: 'string' },
        token: { type: 'string' },
        claims: { type: 'string' },
        audience: { type: 'string' },
        issuers: { type: 'string' },
        json: { type: 'boolean' },
      },
      0,
    )
    if (parsed.help) {
      io.stdout(USAGE)
      return EXIT_OK
    }
    const policyFile = requireOption(parsed, 'policy')
    const issuers = await loadTrustedIssuers(stringOption(parsed, 'issuers'))
    const check = checkPolicy(await readTextFile(policyFile), issuers)
    if (check.policy === null) {
      for (const problem of check.errors) io.stderr(`${formatProblem(policyFile, 'error', problem)}\n`)
      io.stderr(`packyard policy explain: ${policyFile} is not a valid policy\n`)
      return EXIT_USAGE
    }
    const output = await explainInput(parsed, io, issuers, check.policy)
    io.stdout(parsed.values.json === true ? `${JSON.stringify(output, null, 2)}\n` : formatExplanation(output))
    return output.decision === 'accept' ? EXIT_OK : EXIT_REFUSED
  },
}

type Policy = NonNullable<ReturnType<typeof checkPolicy>['policy']>

async function explainInput(
  parsed: ParsedOptions,
  io: CliIo,
  issuers: readonly TrustedIssuer[],
  policy: Policy,
): Promise<ExplainOutput> {
  const tokenOption = stringOption(parsed, 'token')
  const claimsFile = stringOption(parsed, 'claims')
  if ((tokenOption === undefined) === (claimsFile === undefined)) {
    throw new UsageError('give exactly one of --token and --claims')
  }
  if (claimsFile !== undefined) {
    return { ...explainPolicy(policy, parseClaims(await readTextFile(claimsFile), claimsFile)), verified: false }
  }
  const token = tokenOption === '-' ? (await io.readStdin()).trim() : (tokenOption ?? '')
  const audience = stringOption(parsed, 'audience')
  if (audience === undefined) {
    io.stderr('note: the token was not verified (no --audience); its claims are explained as given\n')
    return { ...explainPolicy(policy, decodeUnverified(token)), verified: false }
  }
  const verifier = createTokenVerifier({ issuers, clock: systemClock })
  const result = await verifier.verify(token, audience)
  if (!result.ok) {
    return { decision: 'reject', code: result.code, message: result.message, statement: null, scopes: [], statements: [], verified: false }
  }
  return { ...explainPolicy(policy, result.token.claims), verified: true }
}

function parseClaims(text: string, file: string): Readonly<Record<string, unknown>> {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${error instanceof Error ? error.message : String(error)}`)
  }
  if (!isJsonObject(value)) throw new UsageError(`${file} must hold a JSON object of claims`)
  return value
}

function decodeUnverified(token: string): Readonly<Record<string, unknown>> {
  try {
    return decodeJwt(token)
  } catch {
    throw new UsageError('--token is not a JWT (expected three base64url parts)')
  }
}

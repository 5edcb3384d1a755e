/**
 * `packyard issuer rotate-key`: asks a running server's embedded issuer for a new signing key
 * (`POST /issuer/keys/rotate`). The new key signs at once; the old one stays in the JWKS until every token it
 * signed has expired. An HTTP client: it loads nothing of the server.
 */
import { z } from 'zod'
import { callServerApi, readServerTarget, SERVER_HELP, SERVER_OPTIONS } from '../call-server-api.js'
import { EXIT_OK, EXIT_REFUSED, UsageError, type Command } from '../command.js'
import { parseOptions, stringOption } from '../parse-options.js'

const ALGORITHMS = ['RS256', 'ES256'] as const

const USAGE = `Usage: packyard issuer rotate-key --server URL --token ADMIN_TOKEN [--algorithm RS256|ES256] [--json]

Replaces the embedded issuer's signing key. The new key signs from now on; the retired key stays published
in the JWKS for its overlap period (2 h 7 min, longer than any token lives), then drops out.

Options:
${SERVER_HELP}
  --algorithm A       RS256 (RSA 2048) or ES256 (P-256); default: the current key's algorithm
  --json              print the server's answer as JSON
  -h, --help          show this help

Exit status: 0 rotated, 1 refused by the server or unreachable, 2 usage error.
`

const Rotation = z.object({
  kid: z.string(),
  algorithm: z.string(),
  created_at: z.string(),
  retired: z.array(z.object({ kid: z.string(), published_until: z.string() })),
})

export const issuerRotateKeyCommand: Command = {
  usage: USAGE,
  run: async (args, io) => {
    const parsed = parseOptions(args, { ...SERVER_OPTIONS, algorithm: { type: 'string' }, json: { type: 'boolean' } }, 0)
    if (parsed.help) {
      io.stdout(USAGE)
      return EXIT_OK
    }
    const algorithm = stringOption(parsed, 'algorithm')
    if (algorithm !== undefined && !ALGORITHMS.some((known) => known === algorithm)) {
      throw new UsageError(`--algorithm must be ${ALGORITHMS.join(' or ')}, got ${JSON.stringify(algorithm)}`)
    }
    const target = readServerTarget(parsed, io.env)
    const answer = await callServerApi(target, 'POST', '/issuer/keys/rotate', algorithm === undefined ? {} : { algorithm })
    const rotation = answer.ok ? Rotation.safeParse(answer.body) : null
    if (rotation === null || !rotation.success) {
      io.stderr(`packyard issuer rotate-key: ${answer.ok ? 'the server answered an unexpected body' : answer.message}\n`)
      return EXIT_REFUSED
    }
    const { kid, algorithm: signedWith, retired } = rotation.data
    if (parsed.values.json === true) io.stdout(`${JSON.stringify(rotation.data)}\n`)
    else {
      const old = retired.map((key) => `\nretired ${key.kid}, published until ${key.published_until}`).join('')
      io.stdout(`new signing key ${kid} (${signedWith})${old}\n`)
    }
    return EXIT_OK
  },
}

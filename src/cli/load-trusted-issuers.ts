/** The issuers a CLI command checks policies against: `--issuers FILE`, or the four presets. */
import { DEFAULT_ISSUER_ENTRIES, parseIssuersFile } from '../config/issuer-entry.js'
import { resolveTrustedIssuers } from '../oidc/resolve-trusted-issuers.js'
import type { TrustedIssuer } from '../oidc/trusted-issuer.js'
import { readTextFile } from './read-input.js'

export async function loadTrustedIssuers(issuersFile: string | undefined): Promise<readonly TrustedIssuer[]> {
  if (issuersFile === undefined) return resolveTrustedIssuers(DEFAULT_ISSUER_ENTRIES)
  return resolveTrustedIssuers(parseIssuersFile(await readTextFile(issuersFile), issuersFile))
}

/** Reads of the npm API: package documents, tarballs, search, and who the caller is. */
import { z } from 'zod'
import { AppError } from '../../errors.js'
import { parseInput } from '../../http/parse-input.js'
import { sendBlob } from '../../http/send-blob.js'
import { AccessDenied, type Principal } from '../../registry/access-control.js'
import { assertNpmName, storedFileName, unscopedName } from './npm-names.js'
import type { NpmRequestContext } from './npm-routes.js'
import { readPackument } from './read-packument.js'
import { isValidSemver } from './npm-semver.js'
import { readNpmVersionMetadata } from './npm-version-metadata.js'

/** npm's install-time document type (npm/registry docs/responses/package-metadata.md). */
const ABBREVIATED_TYPE = 'application/vnd.npm.install-v1+json'

const PackumentQuery = z.looseObject({ write: z.string().optional() })
// npm also sends quality, popularity and maintenance weights, which a registry without scores ignores.
const SearchQuery = z.looseObject({
  text: z.string().max(256).default(''),
  size: z.coerce.number().int().min(1).max(250).default(20),
  from: z.coerce.number().int().min(0).max(100_000).default(0),
})

/**
 * `GET /<pkg>`: abbreviated when the client asks for it (npm install), else full (npm view, `?write=true`).
 * Built documents are cached per package revision, with a digest of their text as ETag (304 when it matches).
 */
export async function sendPackument(context: NpmRequestContext, name: string): Promise<unknown> {
  const { registry } = await context.resolve('read_packages')
  assertNpmName(name)
  const { catalog } = context.deps
  const query = parseInput(PackumentQuery, context.request.query, 'query')
  const abbreviated = query.write !== 'true' && (context.request.headers.accept ?? '').includes(ABBREVIATED_TYPE)
  const form = abbreviated ? 'abbreviated' : 'full'
  const notFound = () => new AppError('not_found', `${name} is not in this registry`)
  // Read before the versions: a change between the two reads makes this document newer than its label, which
  // costs one rebuild, never a stale answer.
  const revision = await catalog.revisionOf(registry, name)
  if (revision === undefined) throw notFound()
  const key = `${registry.id}\n${name}\n${form}`
  const document = await context.packuments.getOrBuild(key, revision, () =>
    readPackument({ catalog, entries: context.versionEntries }, { registry, name, registryUrl: context.registryUrl, form }))
  if (document === undefined) throw notFound()
  void context.reply
    .header('content-type', `${abbreviated ? ABBREVIATED_TYPE : 'application/json'}; charset=utf-8`)
    .header('vary', 'accept, authorization')
    // Private: the answer depends on the credential. no-cache: a new version must show at the next install.
    .header('cache-control', 'private, no-cache')
    .header('etag', document.etag)
  if (context.request.headers['if-none-match'] === document.etag) return context.reply.code(304).send()
  return context.reply.send(document.body)
}

/** `GET /<pkg>/-/<name>-<version>.tgz` */
export async function sendTarball(context: NpmRequestContext, name: string, file: string): Promise<unknown> {
  const { registry } = await context.resolve('read_packages')
  assertNpmName(name)
  const prefix = `${unscopedName(name)}-`
  const version = file.startsWith(prefix) && file.endsWith('.tgz') ? file.slice(prefix.length, -'.tgz'.length) : ''
  const pkg = isValidSemver(version) ? await context.deps.packages.findFile(registry, storedFileName(name, version)) : undefined
  if (pkg === undefined) throw new AppError('not_found', `${name}/-/${file.slice(0, 200)} not found`)
  const { metrics } = context.deps
  return sendBlob(context.request, context.reply, context.deps.blobs, pkg, (bytes) => { metrics.bytesDownloaded.inc({}, bytes) })
}

/** `GET /-/v1/search`: names containing the text, with the newest version of each. */
export async function sendSearch(context: NpmRequestContext): Promise<unknown> {
  const { registry } = await context.resolve('read_packages')
  const query = parseInput(SearchQuery, context.request.query, 'query')
  const found = await context.deps.catalog.search(registry, query.text.trim(), { limit: query.size, offset: query.from })
  const objects = found.map((pkg) => {
    const { manifest } = readNpmVersionMetadata(pkg.metadata)
    return {
      package: {
        name: pkg.name,
        scope: pkg.name.startsWith('@') ? pkg.name.slice(1, pkg.name.indexOf('/')) : 'unscoped',
        version: pkg.version,
        description: typeof manifest.description === 'string' ? manifest.description : '',
        keywords: Array.isArray(manifest.keywords) ? manifest.keywords.filter((word) => typeof word === 'string') : [],
        date: pkg.createdAt,
        links: {},
        publisher: { username: pkg.publishedBy },
        maintainers: [],
      },
      score: { final: 1, detail: { quality: 1, popularity: 1, maintenance: 1 } },
      searchScore: 1,
    }
  })
  return { objects, total: objects.length, time: new Date().toUTCString() }
}

/** The name `npm whoami` shows: the OIDC subject, or which API token. */
export function describeUser(principal: Principal): string {
  switch (principal.kind) {
    case 'oidc': {
      const { sub, iss } = principal.token.claims
      return typeof sub === 'string' ? sub : String(iss)
    }
    case 'api_token':
      return `api-token:${principal.token.description}`
    case 'server_admin':
      return 'admin'
    case 'anonymous':
      throw new AccessDenied('token_missing', 'not logged in: send an OIDC token for this registry, or an API token')
  }
}

/** Writes of the npm API: publish and deprecate (`PUT /<pkg>`), unpublish, and dist-tags. */
import { z } from 'zod'
import { AppError } from '../../errors.js'
import { parseInput } from '../../http/parse-input.js'
import { effectiveDistTags } from './build-packument.js'
import { updateNpmDocument } from './npm-document-update.js'
import { assertDistTag, assertNpmName, unscopedName } from './npm-names.js'
import { publishNpmDocument, receiveNpmDocument, type NpmTarget } from './npm-publish.js'
import type { NpmRequestContext } from './npm-routes.js'
import { isValidSemver } from './npm-semver.js'

/** A dist-tag body is one JSON string: the version. */
const MAX_TAG_BODY_BYTES = 1024
const TagVersion = z.string().min(1).max(256)

/** `PUT /<pkg>` (publish, or a document update such as deprecate) and `PUT /<pkg>/-rev/<rev>` (unpublish). */
export async function handlePackagePut(context: NpmRequestContext, name: string, options: { revision: boolean }): Promise<unknown> {
  const { org, registry, principal } = await context.resolve('write_packages')
  assertNpmName(name)
  const encoding = context.request.headers['content-encoding']
  // A compressed request body would expand past every limit before we could count it (catalog R10).
  if (encoding !== undefined && encoding !== 'identity') throw new AppError('request_invalid', 'compressed request bodies are not accepted')
  const target: NpmTarget = { org, registry, principal, name }
  const received = await receiveNpmDocument(context.deps, context.body())
  if (received.tarball !== null) {
    if (options.revision) throw new AppError('request_invalid', 'a revision update carries no tarball; publish with PUT /<package>')
    const published = await publishNpmDocument(context.deps, target, { ...received, tarball: received.tarball })
    context.deps.metrics.packagesPublished.inc({ ecosystem: 'npm' })
    context.deps.metrics.bytesUploaded.inc({}, published.size)
    return context.reply.code(201).send({ ok: true, id: name, version: published.version, package_id: published.id })
  }
  await updateNpmDocument(context.deps, target, received.document, {
    revision: options.revision,
    authorizeDelete: async () => (await context.resolve('delete_packages')).principal,
  })
  return { ok: true, id: name }
}

/** `DELETE /<pkg>/-rev/<rev>` (every version, `file` null) or `DELETE /<pkg>/-/<file>/-rev/<rev>` (one). */
export async function handleUnpublish(context: NpmRequestContext, name: string, file: string | null): Promise<unknown> {
  const { org, registry, principal } = await context.resolve('delete_packages')
  assertNpmName(name)
  if (file === null) {
    await context.deps.catalog.unpublish(org, registry, principal, name, 'all')
    return { ok: true, id: name }
  }
  const prefix = `${unscopedName(name)}-`
  const version = file.startsWith(prefix) && file.endsWith('.tgz') ? file.slice(prefix.length, -'.tgz'.length) : ''
  if (!isValidSemver(version)) throw new AppError('not_found', `${file.slice(0, 200)} is not a tarball of ${name}`)
  const live = await context.deps.catalog.versionsOf(registry, name)
  // npm removes the version from the document first (PUT -rev), then deletes the tarball: already done then.
  if (live.some((pkg) => pkg.version === version)) await context.deps.catalog.unpublish(org, registry, principal, name, [version])
  return { ok: true, id: name }
}

/** `GET|PUT|DELETE /-/package/<pkg>/dist-tags[/<tag>]` */
export async function handleDistTags(context: NpmRequestContext, name: string, tag: string | null): Promise<unknown> {
  const { method } = context.request
  const scope = method === 'GET' || method === 'HEAD' ? 'read_packages' : 'write_packages'
  const { org, registry, principal } = await context.resolve(scope)
  assertNpmName(name)
  const { catalog } = context.deps
  const current = async () => {
    // Summaries: the tags need only the live version numbers, not every version's metadata.
    const [versions, tags] = await Promise.all([catalog.summariesOf(registry, name), catalog.tagsOf(registry, name)])
    if (versions.length === 0) throw new AppError('not_found', `${name} is not in this registry`)
    return effectiveDistTags(versions.map((pkg) => pkg.version), tags)
  }
  if (scope === 'read_packages') {
    if (tag !== null) throw new AppError('not_found', 'read the tags with GET /-/package/<package>/dist-tags')
    return current()
  }
  if (tag === null) throw new AppError('request_invalid', 'name the dist-tag: /-/package/<package>/dist-tags/<tag>')
  assertDistTag(tag)
  if (method === 'DELETE') {
    if (tag === 'latest') throw new AppError('request_invalid', 'the latest tag cannot be removed; point it at another version instead')
    await catalog.removeTag(org, registry, principal, name, tag)
    return current()
  }
  const version = parseInput(TagVersion, await readJsonBody(context), 'dist-tag body (a JSON string: the version)')
  await catalog.setTag(org, registry, principal, name, tag, version)
  return context.reply.code(201).send(await current())
}

async function readJsonBody(context: NpmRequestContext): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of context.body()) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk))
    size += bytes.length
    if (size > MAX_TAG_BODY_BYTES) throw new AppError('payload_too_large', 'the request body is too large')
    chunks.push(bytes)
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw new AppError('request_invalid', 'the request body is not JSON')
  }
}


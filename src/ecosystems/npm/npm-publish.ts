/**
 * Publishing npm packages: the native `PUT /<pkg>` document (npm publish) and a REST upload of a `.tgz`.
 * Both stream the tarball once into the blob store while reading its package.json, then check everything
 * the rules list before the version becomes visible in one transaction:
 * the name (npm's rules), the URL name equal to the document's, exactly one attachment named for the version,
 * `integrity` and `shasum` equal to the decoded bytes, and the tarball's own name and version.
 */
import type { Readable } from 'node:stream'
import { z } from 'zod'
import { AppError, isAppError } from '../../errors.js'
import type { HttpDeps } from '../../http/http-deps.js'
import { parseInput } from '../../http/parse-input.js'
import type { Principal } from '../../registry/access-control.js'
import type { Organization, PackageVersion, Registry } from '../../registry/records.js'
import { assertDistTag, assertNpmName, storedFileName } from './npm-names.js'
import { isValidSemver, parseSemver } from './npm-semver.js'
import { buildNpmVersionMetadata, toStoredMetadata } from './npm-version-metadata.js'
import { createTarballReceiver, type ReceivedTarball, type TarballReceiver } from './receive-npm-tarball.js'
import { createPublishBodyScanner } from './scan-publish-body.js'

/** The publish document without its tarball: the manifest twice (version and readme), usually kilobytes. */
export const MAX_NPM_DOCUMENT_BYTES = 16 * 1024 * 1024

export interface NpmTarget {
  readonly org: Organization
  readonly registry: Registry
  readonly principal: Principal
  /** The package name from the URL, decoded. */
  readonly name: string
}

/** A `PUT /<pkg>` body read to its end: the document, and the tarball when it carried one. */
export interface ReceivedDocument {
  readonly document: unknown
  readonly tarball: (ReceivedTarball & { readonly attachmentName: string }) | null
}

const ONE_ATTACHMENT = 'a publish carries exactly one attachment, the tarball of its version (sigstore bundles from --provenance are not accepted: Packyard records provenance from the OIDC token)'

/** Reads a `PUT /<pkg>` body, streaming its attachment (if any) into the blob store. @throws AppError */
export async function receiveNpmDocument(deps: HttpDeps, body: Readable): Promise<ReceivedDocument> {
  const attachment: { receiver: TarballReceiver | null; name: string } = { receiver: null, name: '' }
  const scanner = createPublishBodyScanner({
    maxDocumentBytes: MAX_NPM_DOCUMENT_BYTES,
    onAttachment(name) {
      if (attachment.receiver !== null) throw new AppError('request_invalid', ONE_ATTACHMENT)
      const started = createTarballReceiver({ blobs: deps.blobs, maxBytes: deps.maxUploadBytes })
      attachment.receiver = started
      attachment.name = name
      return { write: (chunk) => { started.write(chunk) }, end: () => undefined }
    },
  })
  try {
    for await (const chunk of body) {
      scanner.write(toBuffer(chunk))
      await attachment.receiver?.drain()
    }
    const document = scanner.end()
    const tarball = attachment.receiver === null ? null : { ...(await attachment.receiver.finish()), attachmentName: attachment.name }
    return { document, tarball }
  } catch (error) {
    await attachment.receiver?.abort(error)
    throw error
  }
}

const Attachment = z.object({ data: z.literal(''), length: z.number().int().nonnegative().optional(), content_type: z.string().optional() })
const Dist = z.object({ integrity: z.string().max(2048).optional(), shasum: z.string().max(128).optional() })
const PublishDocument = z.object({
  _id: z.string().optional(),
  name: z.string(),
  'dist-tags': z.record(z.string(), z.string()).optional(),
  versions: z.record(z.string(), z.looseObject({ name: z.string(), version: z.string(), dist: Dist.optional() })),
  _attachments: z.record(z.string(), Attachment),
})

/** Checks an `npm publish` document against its tarball and records the version. @throws AppError */
export async function publishNpmDocument(deps: HttpDeps, target: NpmTarget, received: ReceivedDocument & { tarball: NonNullable<ReceivedDocument['tarball']> }): Promise<PackageVersion> {
  const document = parseInput(PublishDocument, received.document, 'publish document')
  const { name } = target
  if (document.name !== name || (document._id !== undefined && document._id !== name)) {
    throw new AppError('request_invalid', `the document publishes ${document.name.slice(0, 100)}, but the URL names ${name}`)
  }
  const entries = Object.entries(document.versions)
  const [entry] = entries
  if (entries.length !== 1 || entry === undefined) throw new AppError('request_invalid', 'a publish carries exactly one version')
  const [version, manifest] = entry
  if (!isValidSemver(version)) throw new AppError('request_invalid', `${version.slice(0, 100)} is not a valid semantic version`)
  if (manifest.version !== version || manifest.name !== name) throw new AppError('request_invalid', `versions.${version} names another package or version`)
  const attachments = Object.entries(document._attachments)
  const [attachment] = attachments
  if (attachments.length !== 1 || attachment === undefined) throw new AppError('request_invalid', ONE_ATTACHMENT)
  const expected = storedFileName(name, version)
  if (attachment[0] !== expected || received.tarball.attachmentName !== expected) {
    throw new AppError('request_invalid', `the attachment must be named ${expected}`)
  }
  const { tarball } = received
  if (attachment[1].length !== undefined && attachment[1].length !== tarball.blob.size) {
    throw new AppError('request_invalid', `the attachment is ${String(tarball.blob.size)} bytes, not the ${String(attachment[1].length)} its length says`)
  }
  checkDigests(manifest.dist ?? {}, tarball)
  const tags = Object.entries(document['dist-tags'] ?? {}).filter(([, tagged]) => tagged === version).map(([tag]) => tag)
  for (const tag of tags) assertDistTag(tag)
  return record(deps, target, version, tarball, tags)
}

/** Publishes a `.tgz` uploaded through the REST API: the name and version come from its package.json. */
export async function publishNpmUpload(deps: HttpDeps, upload: { org: Organization; registry: Registry; principal: Principal; body: Readable }): Promise<PackageVersion> {
  const receiver = createTarballReceiver({ blobs: deps.blobs, maxBytes: deps.maxUploadBytes })
  let tarball: ReceivedTarball
  try {
    for await (const chunk of upload.body) {
      receiver.write(toBuffer(chunk))
      await receiver.drain()
    }
    tarball = await receiver.finish()
  } catch (error) {
    await receiver.abort(error)
    throw error
  }
  const { name, version } = tarball.facts.manifest
  if (typeof name !== 'string' || typeof version !== 'string') throw new AppError('request_invalid', 'package/package.json needs a string name and version')
  assertNpmName(name)
  if (!isValidSemver(version)) throw new AppError('request_invalid', `${version.slice(0, 100)} is not a valid semantic version`)
  // As `npm publish` without --tag: the version becomes `latest`, unless it is a pre-release and a latest exists.
  const prerelease = (parseSemver(version)?.prerelease.length ?? 0) > 0
  const hasLatest = (await deps.catalog.tagsOf(upload.registry, name)).latest !== undefined
  return record(deps, { ...upload, name }, version, tarball, prerelease && hasLatest ? [] : ['latest'])
}

async function record(deps: HttpDeps, target: NpmTarget, version: string, tarball: ReceivedTarball, tags: readonly string[]): Promise<PackageVersion> {
  const { manifest } = tarball.facts
  if (manifest.name !== target.name || manifest.version !== version) {
    throw new AppError('request_invalid', `package/package.json in the tarball is ${String(manifest.name).slice(0, 100)}@${String(manifest.version).slice(0, 100)}, not ${target.name}@${version}`)
  }
  const metadata = toStoredMetadata(buildNpmVersionMetadata(tarball.facts, tarball.shasum))
  try {
    return await deps.packages.publishStored(target.org, target.registry, target.principal, { name: target.name, version, filename: storedFileName(target.name, version), metadata, tags }, tarball.blob)
  } catch (error) {
    if (isAppError(error) && error.code === 'conflict') {
      throw new AppError('conflict', `cannot publish over the previously published version ${target.name}@${version}: versions are immutable, also after an unpublish`)
    }
    throw error
  }
}

/** `dist.integrity` (SRI, any of sha1/sha256/sha512 it lists) and `dist.shasum` must describe the decoded bytes. */
function checkDigests(dist: { integrity?: string | undefined; shasum?: string | undefined }, tarball: ReceivedTarball): void {
  if (dist.shasum !== undefined && dist.shasum.toLowerCase() !== tarball.shasum) throw new AppError('request_invalid', 'dist.shasum does not match the tarball')
  if (dist.integrity === undefined) return
  const actual: Record<string, string> = {
    sha512: Buffer.from(tarball.blob.sha512, 'hex').toString('base64'),
    sha256: Buffer.from(tarball.blob.sha256, 'hex').toString('base64'),
    sha1: Buffer.from(tarball.shasum, 'hex').toString('base64'),
  }
  let checked = 0
  for (const item of dist.integrity.trim().split(/\s+/)) {
    const dash = item.indexOf('-')
    const algorithm = item.slice(0, dash)
    const expected = actual[algorithm]
    if (dash <= 0 || expected === undefined) continue
    // SRI allows `?options` after the digest (W3C SRI §3.5).
    if (item.slice(dash + 1).split('?')[0] !== expected) throw new AppError('request_invalid', `dist.integrity (${algorithm}) does not match the tarball`)
    checked += 1
  }
  if (checked === 0) throw new AppError('request_invalid', 'dist.integrity names no sha512, sha256 or sha1 digest')
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk
  if (typeof chunk === 'string') return Buffer.from(chunk)
  if (chunk instanceof Uint8Array) return Buffer.from(chunk)
  throw new AppError('request_invalid', 'the request body is not bytes')
}

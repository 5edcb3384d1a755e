/**
 * npm's package documents ("packuments", npm/registry docs/responses/package-metadata.md): the full one for
 * `npm view`, `deprecate` and `unpublish`, and the abbreviated one (`application/vnd.npm.install-v1+json`) that
 * `npm install` asks for. Both are built from the stored versions: the tarball's manifest, our own digests,
 * and `dist.tarball` pointing at this server.
 */
import { hash } from 'node:crypto'
import { joinUtf8 } from '../../lib/join-utf8.js'
import type { PackageVersion, PackageVersionSummary } from '../../registry/records.js'
import { tarballFileName } from './npm-names.js'
import { pickFallbackLatest } from './npm-semver.js'
import { readNpmVersionMetadata, type NpmVersionMetadata } from './npm-version-metadata.js'

export interface PackumentInput {
  readonly name: string
  /** Live versions, oldest first. */
  readonly versions: readonly PackageVersion[]
  /** Dist-tags as stored. */
  readonly tags: Readonly<Record<string, string>>
  /** `{public_url}/{org}/{registry}/npm`: tarball URLs hang below it. */
  readonly registryUrl: string
}

/** Fields of a version the abbreviated document keeps: what the installer needs to resolve and fetch. */
const ABBREVIATED_FIELDS = [
  'name', 'version', 'dependencies', 'optionalDependencies', 'devDependencies', 'peerDependencies', 'peerDependenciesMeta',
  'bundleDependencies', 'bundledDependencies', 'acceptDependencies', 'bin', 'directories', 'engines', 'os', 'cpu', 'libc', 'funding',
] as const

/** Top-level fields of the full document taken from the `latest` version, as npm's registry does. */
const DOCUMENT_FIELDS = ['description', 'homepage', 'keywords', 'repository', 'author', 'bugs', 'license'] as const

/**
 * Tags that point at live versions; `latest` falls back to the highest release when its version was
 * unpublished (npm's own `unpublish` moves it the same way).
 */
export function effectiveDistTags(versions: readonly string[], tags: Readonly<Record<string, string>>): Record<string, string> {
  const live = new Set(versions)
  const result: Record<string, string> = {}
  for (const [tag, version] of Object.entries(tags)) if (live.has(version)) result[tag] = version
  if (result.latest === undefined) {
    const fallback = pickFallbackLatest(versions)
    if (fallback !== undefined) result.latest = fallback
  }
  return result
}

/**
 * A version's member of each document's `versions` object, as JSON text (`"1.0.0":{...}`): versions are
 * immutable but for `deprecated`, so these are reused from one revision of the document to the next.
 */
export interface VersionEntries {
  readonly abbreviated: string
  readonly full: string
  /** SHA-1 of each entry's UTF-8 text, made once with it: the document's ETag is built from these. */
  readonly abbreviatedDigest: Buffer
  readonly fullDigest: Buffer
  /** The top-level fields the full document takes from its `latest` version. */
  readonly documentFields: Readonly<Record<string, unknown>>
}

/** What a document is assembled from: the live versions, oldest first, and each one's entries by package id. */
export interface PackumentParts {
  readonly name: string
  readonly versions: readonly PackageVersionSummary[]
  readonly entries: ReadonlyMap<string, VersionEntries>
  readonly tags: Readonly<Record<string, string>>
}

export function buildVersionEntries(context: { readonly name: string; readonly registryUrl: string }, pkg: PackageVersion): VersionEntries {
  const metadata = readNpmVersionMetadata(pkg.metadata)
  const abbreviated: Record<string, unknown> = {}
  for (const field of ABBREVIATED_FIELDS) if (Object.hasOwn(metadata.manifest, field)) abbreviated[field] = metadata.manifest[field]
  abbreviated.name = context.name
  abbreviated.version = pkg.version
  if (pkg.deprecated !== null) abbreviated.deprecated = pkg.deprecated
  if (metadata.hasInstallScript) abbreviated.hasInstallScript = true
  if (metadata.hasShrinkwrap) abbreviated._hasShrinkwrap = true
  const dist = distOf(context, pkg, metadata)
  abbreviated.dist = dist
  const full = {
    ...metadata.manifest,
    name: context.name,
    version: pkg.version,
    _id: `${context.name}@${pkg.version}`,
    ...(pkg.deprecated !== null ? { deprecated: pkg.deprecated } : {}),
    ...(metadata.hasInstallScript ? { hasInstallScript: true } : {}),
    ...(metadata.hasShrinkwrap ? { _hasShrinkwrap: true } : {}),
    dist,
    _packyard: { provenance: pkg.provenance, published_by: pkg.publishedBy, package_id: pkg.id },
  }
  const documentFields: Record<string, unknown> = {}
  for (const field of DOCUMENT_FIELDS) if (Object.hasOwn(metadata.manifest, field)) documentFields[field] = metadata.manifest[field]
  const key = JSON.stringify(pkg.version)
  const abbreviatedText = `${key}:${JSON.stringify(abbreviated)}`
  const fullText = `${key}:${JSON.stringify(full)}`
  return {
    abbreviated: abbreviatedText, full: fullText, documentFields,
    abbreviatedDigest: hash('sha1', abbreviatedText, 'buffer'), fullDigest: hash('sha1', fullText, 'buffer'),
  }
}

/** A document's UTF-8 bytes, and its strong validator. */
export interface PackumentDocument {
  readonly body: Buffer
  /**
   * A quoted SHA-1 over the digests of the document's pieces in order (head, each version's entry, tail): it
   * changes with any byte of the document, is the same on every server, and costs a hash of 20 bytes per version
   * instead of one over the whole body (9 MB at 5,000 versions: ~5 ms per rebuild; bench/scale.bench.ts).
   */
  readonly etag: string
}

/** The abbreviated document's JSON text, UTF-8, and its ETag. Versions without entries are left out. */
export function assembleAbbreviatedPackument(parts: PackumentParts): PackumentDocument {
  const rendered = withEntries(parts)
  const versions = rendered.map(([pkg]) => pkg)
  const head = { name: parts.name, modified: timesOf(versions).modified, 'dist-tags': effectiveDistTags(versions.map((pkg) => pkg.version), parts.tags) }
  return joinDocument(head, rendered, 'abbreviated', '}')
}

/** The full document's JSON text, UTF-8, and its ETag. Versions without entries are left out. */
export function assembleFullPackument(parts: PackumentParts): PackumentDocument {
  const rendered = withEntries(parts)
  const versions = rendered.map(([pkg]) => pkg)
  const { created, modified } = timesOf(versions)
  const time: Record<string, string> = { created, modified }
  for (const pkg of versions) time[pkg.version] = pkg.createdAt
  const distTags = effectiveDistTags(versions.map((pkg) => pkg.version), parts.tags)
  const latest = rendered.find(([pkg]) => pkg.version === distTags.latest)
  const head: Record<string, unknown> = {
    _id: parts.name,
    // npm echoes `_rev` back on unpublish; the document changes with every publish, so the count of versions and
    // the last change identify it well enough (Packyard never compares revisions: writes are per version).
    _rev: `${String(versions.length)}-${modified.replace(/\D/g, '')}`,
    name: parts.name,
    ...latest?.[1].documentFields,
    'dist-tags': distTags,
  }
  return joinDocument(head, rendered, 'full', `,"time":${JSON.stringify(time)},"maintainers":[]}`)
}

/** Builds both documents' parts from whole versions (the entries are built afresh, nothing is reused). */
export function buildPackumentParts(input: PackumentInput): PackumentParts {
  const entries = new Map(input.versions.map((pkg) => [pkg.id, buildVersionEntries(input, pkg)]))
  return { name: input.name, versions: input.versions, entries, tags: input.tags }
}

/** The abbreviated document of `input`: JSON text, UTF-8. */
export function buildAbbreviatedPackument(input: PackumentInput): Buffer {
  return assembleAbbreviatedPackument(buildPackumentParts(input)).body
}

/** The full document of `input`: JSON text, UTF-8. */
export function buildFullPackument(input: PackumentInput): Buffer {
  return assembleFullPackument(buildPackumentParts(input)).body
}

/** The versions that have entries, oldest first, each with its entries. */
function withEntries(parts: PackumentParts): [PackageVersionSummary, VersionEntries][] {
  const rendered: [PackageVersionSummary, VersionEntries][] = []
  for (const pkg of parts.versions) {
    const entries = parts.entries.get(pkg.id)
    if (entries !== undefined) rendered.push([pkg, entries])
  }
  return rendered
}

/**
 * `head`'s members, then `"versions":{...}` of the entries in order, then `tail` (which closes the document):
 * exactly what JSON.stringify writes for the whole object, since semver keys are never array indexes and so
 * keep their order. Written straight into bytes: no joined string of the whole document is ever built.
 */
function joinDocument(head: Readonly<Record<string, unknown>>, rendered: readonly [PackageVersionSummary, VersionEntries][], form: 'abbreviated' | 'full', tail: string): PackumentDocument {
  const opening = `${JSON.stringify(head).slice(0, -1)},"versions":{`
  const closing = `}${tail}`
  const pieces = [opening]
  // The commas between entries are fixed by the entry count, which the digest list fixes too.
  const digests: Buffer[] = [hash('sha1', opening, 'buffer')]
  for (const [index, [, entries]] of rendered.entries()) {
    if (index > 0) pieces.push(',')
    pieces.push(entries[form])
    digests.push(form === 'full' ? entries.fullDigest : entries.abbreviatedDigest)
  }
  pieces.push(closing)
  digests.push(hash('sha1', closing, 'buffer'))
  return { body: joinUtf8(pieces), etag: `"${hash('sha1', Buffer.concat(digests), 'base64url')}"` }
}

function distOf(context: { readonly name: string; readonly registryUrl: string }, pkg: PackageVersion, metadata: NpmVersionMetadata): Record<string, unknown> {
  return {
    tarball: `${context.registryUrl}/${context.name}/-/${tarballFileName(context.name, pkg.version)}`,
    shasum: metadata.shasum,
    integrity: `sha512-${Buffer.from(pkg.sha512, 'hex').toString('base64')}`,
    ...(metadata.fileCount > 0 ? { fileCount: metadata.fileCount, unpackedSize: metadata.unpackedSize } : {}),
  }
}

function timesOf(versions: readonly PackageVersionSummary[]): { created: string; modified: string } {
  let created = versions[0]?.createdAt ?? new Date(0).toISOString()
  let modified = created
  for (const pkg of versions) {
    if (pkg.createdAt < created) created = pkg.createdAt
    if (pkg.createdAt > modified) modified = pkg.createdAt
  }
  return { created, modified }
}

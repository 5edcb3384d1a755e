/**
 * npm's package documents ("packuments", npm/registry docs/responses/package-metadata.md): the full one for
 * `npm view`, `deprecate` and `unpublish`, and the abbreviated one (`application/vnd.npm.install-v1+json`) that
 * `npm install` asks for. Both are built from the stored versions: the tarball's manifest, our own digests,
 * and `dist.tarball` pointing at this server.
 */
import type { PackageVersion } from '../../registry/records.js'
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

export function buildAbbreviatedPackument(input: PackumentInput): Record<string, unknown> {
  const versions: Record<string, unknown> = {}
  for (const pkg of input.versions) {
    const metadata = readNpmVersionMetadata(pkg.metadata)
    const entry: Record<string, unknown> = {}
    for (const field of ABBREVIATED_FIELDS) if (Object.hasOwn(metadata.manifest, field)) entry[field] = metadata.manifest[field]
    entry.name = input.name
    entry.version = pkg.version
    if (pkg.deprecated !== null) entry.deprecated = pkg.deprecated
    if (metadata.hasInstallScript) entry.hasInstallScript = true
    if (metadata.hasShrinkwrap) entry._hasShrinkwrap = true
    entry.dist = distOf(input, pkg, metadata)
    versions[pkg.version] = entry
  }
  return { name: input.name, modified: timesOf(input.versions).modified, 'dist-tags': effectiveDistTags(input.versions.map((pkg) => pkg.version), input.tags), versions }
}

export function buildFullPackument(input: PackumentInput): Record<string, unknown> {
  const versions: Record<string, unknown> = {}
  const time: Record<string, string> = {}
  const { created, modified } = timesOf(input.versions)
  time.created = created
  time.modified = modified
  for (const pkg of input.versions) {
    const metadata = readNpmVersionMetadata(pkg.metadata)
    versions[pkg.version] = {
      ...metadata.manifest,
      name: input.name,
      version: pkg.version,
      _id: `${input.name}@${pkg.version}`,
      ...(pkg.deprecated !== null ? { deprecated: pkg.deprecated } : {}),
      ...(metadata.hasInstallScript ? { hasInstallScript: true } : {}),
      ...(metadata.hasShrinkwrap ? { _hasShrinkwrap: true } : {}),
      dist: distOf(input, pkg, metadata),
      _packyard: { provenance: pkg.provenance, published_by: pkg.publishedBy, package_id: pkg.id },
    }
    time[pkg.version] = pkg.createdAt
  }
  const distTags = effectiveDistTags(input.versions.map((pkg) => pkg.version), input.tags)
  const latest = input.versions.find((pkg) => pkg.version === distTags.latest)
  const latestManifest = latest === undefined ? {} : readNpmVersionMetadata(latest.metadata).manifest
  const document: Record<string, unknown> = {
    _id: input.name,
    // npm echoes `_rev` back on unpublish; the document changes with every publish, so the count of versions and
    // the last change identify it well enough (Packyard never compares revisions: writes are per version).
    _rev: `${String(input.versions.length)}-${modified.replace(/\D/g, '')}`,
    name: input.name,
  }
  for (const field of DOCUMENT_FIELDS) if (Object.hasOwn(latestManifest, field)) document[field] = latestManifest[field]
  return { ...document, 'dist-tags': distTags, versions, time, maintainers: [] }
}

function distOf(input: PackumentInput, pkg: PackageVersion, metadata: NpmVersionMetadata): Record<string, unknown> {
  return {
    tarball: `${input.registryUrl}/${input.name}/-/${tarballFileName(input.name, pkg.version)}`,
    shasum: metadata.shasum,
    integrity: `sha512-${Buffer.from(pkg.sha512, 'hex').toString('base64')}`,
    ...(metadata.fileCount > 0 ? { fileCount: metadata.fileCount, unpackedSize: metadata.unpackedSize } : {}),
  }
}

function timesOf(versions: readonly PackageVersion[]): { created: string; modified: string } {
  let created = versions[0]?.createdAt ?? new Date(0).toISOString()
  let modified = created
  for (const pkg of versions) {
    if (pkg.createdAt < created) created = pkg.createdAt
    if (pkg.createdAt > modified) modified = pkg.createdAt
  }
  return { created, modified }
}

/**
 * What Packyard stores for an npm version (the `metadata` of its PackageVersion): the tarball's own
 * package.json, cleaned of registry-owned fields, and the facts `dist` reports. Served metadata comes from
 * here, never from the publish request, so it always matches what `npm install` unpacks (catalog R3).
 */
import { isJsonObject } from '../../lib/is-json-object.js'
import type { NpmTarballFacts } from './inspect-npm-tarball.js'

export interface NpmVersionMetadata {
  readonly manifest: Readonly<Record<string, unknown>>
  /** SHA-1 of the tarball, hex: npm's legacy `shasum`. */
  readonly shasum: string
  readonly fileCount: number
  readonly unpackedSize: number
  readonly hasInstallScript: boolean
  readonly hasShrinkwrap: boolean
}

/** Lifecycle scripts that make npm run code at install (npm's `hasInstallScript`). */
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'] as const

export function buildNpmVersionMetadata(facts: NpmTarballFacts, shasum: string): NpmVersionMetadata {
  const manifest: Record<string, unknown> = {}
  // `_`-prefixed fields and `dist` belong to the registry (`_id`, `_resolved`, `_integrity`...): never taken from a file.
  for (const [key, value] of Object.entries(facts.manifest)) if (!key.startsWith('_') && key !== 'dist') manifest[key] = value
  const scripts = isJsonObject(manifest.scripts) ? manifest.scripts : {}
  const hasInstallScript = INSTALL_SCRIPTS.some((name) => typeof scripts[name] === 'string') || facts.hasBindingGyp
  return { manifest, shasum, fileCount: facts.fileCount, unpackedSize: facts.unpackedSize, hasInstallScript, hasShrinkwrap: facts.hasShrinkwrap }
}

/** The stored metadata as JSON for the store. */
export function toStoredMetadata(metadata: NpmVersionMetadata): Readonly<Record<string, unknown>> {
  return {
    manifest: metadata.manifest, shasum: metadata.shasum, file_count: metadata.fileCount, unpacked_size: metadata.unpackedSize,
    has_install_script: metadata.hasInstallScript, has_shrinkwrap: metadata.hasShrinkwrap,
  }
}

/** The stored metadata, or a minimal stand-in for a version recorded without it. */
export function readNpmVersionMetadata(stored: Readonly<Record<string, unknown>> | null): NpmVersionMetadata {
  const value = stored ?? {}
  const number = (field: unknown) => (typeof field === 'number' && Number.isFinite(field) ? field : 0)
  return {
    manifest: isJsonObject(value.manifest) ? value.manifest : {},
    shasum: typeof value.shasum === 'string' ? value.shasum : '',
    fileCount: number(value.file_count),
    unpackedSize: number(value.unpacked_size),
    hasInstallScript: value.has_install_script === true,
    hasShrinkwrap: value.has_shrinkwrap === true,
  }
}

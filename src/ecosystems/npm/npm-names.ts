/**
 * npm's naming rules for new packages and dist-tags (validate-npm-package-name 6, npm's `dist-tag` command),
 * checked before a name reaches a query, a URL or a filename (security catalog R1, R4).
 */
import { AppError } from '../../errors.js'

/** npm's limit on a package name's length, scope included. */
export const MAX_NPM_NAME_LENGTH = 214
/** Dist-tags are short words; the cap keeps them out of the way of every other limit. */
const MAX_DIST_TAG_LENGTH = 128

// Lowercase, URL-safe, not starting with `.` or `_` (scope and name alike), no `~'!()*`: the rules for new names.
const NPM_NAME = /^(?:@[a-z0-9-][a-z0-9._-]*\/)?[a-z0-9-][a-z0-9._-]*$/
/** Names npm refuses outright. */
const BLOCKED_NAMES = new Set(['node_modules', 'favicon.ico'])

/** Why `name` is not a valid name for a new npm package, or null when it is. */
export function explainInvalidNpmName(name: string): string | null {
  if (name.length === 0) return 'the package name is empty'
  if (name.length > MAX_NPM_NAME_LENGTH) return `the package name is longer than ${String(MAX_NPM_NAME_LENGTH)} characters`
  if (name.trim() !== name) return 'the package name has leading or trailing spaces'
  if (!NPM_NAME.test(name)) {
    return 'the package name must be lowercase and URL-safe (a-z, 0-9, -, ., _), may have one @scope/, and may not start with . or _'
  }
  if (BLOCKED_NAMES.has(name)) return `${name} is not a valid package name`
  return null
}

/** @throws AppError `request_invalid` with npm's reason */
export function assertNpmName(name: string): void {
  const problem = explainInvalidNpmName(name)
  if (problem !== null) throw new AppError('request_invalid', `invalid package name ${JSON.stringify(name.slice(0, 100))}: ${problem}`)
}

/** The name without its scope: `@acme/x` → `x`; npm names tarballs after it. */
export function unscopedName(name: string): string {
  return name.startsWith('@') ? name.slice(name.indexOf('/') + 1) : name
}

/** The tarball file under a package's `-/` folder: `x-1.0.0.tgz` for `@acme/x` 1.0.0. */
export function tarballFileName(name: string, version: string): string {
  return `${unscopedName(name)}-${version}.tgz`
}

/**
 * The filename a version is stored under: unique per registry (the scope is part of it, so `@acme/x` and
 * `acme-x` never collide), and equal to npm's own attachment name.
 */
export function storedFileName(name: string, version: string): string {
  return `${name}-${version}.tgz`
}

/**
 * Why `tag` is not a valid dist-tag, or null. npm refuses tags that read as a version range (`1.x`, `v2`, `x`),
 * since `npm install pkg@<tag>` could not tell them apart.
 */
export function explainInvalidDistTag(tag: string): string | null {
  if (tag.length === 0 || tag.length > MAX_DIST_TAG_LENGTH) return `a dist-tag has 1 to ${String(MAX_DIST_TAG_LENGTH)} characters`
  if (!/^[A-Za-z][A-Za-z0-9._-]*$/.test(tag)) return 'a dist-tag starts with a letter and holds only letters, digits, ., _ and -'
  if (/^[vV]\d/.test(tag) || tag === 'x' || tag === 'X') return 'a dist-tag must not read as a version range'
  return null
}

/** @throws AppError `request_invalid` */
export function assertDistTag(tag: string): void {
  const problem = explainInvalidDistTag(tag)
  if (problem !== null) throw new AppError('request_invalid', `invalid dist-tag ${JSON.stringify(tag.slice(0, 100))}: ${problem}`)
}

/**
 * The generic `files` ecosystem names a package by its file: `{BASENAME}-{SEMVER}.{EXT}` (Buildkite's rule and
 * error text). `my-tool-1.2.3-rc.1.tar.gz` is the package `my-tool` at `1.2.3-rc.1`.
 */
import { AppError } from '../../errors.js'

/** Longest accepted filename: the common filesystem limit. */
const MAX_FILENAME_LENGTH = 255

// BASENAME: the shortest run before a `-` that a semantic version follows. SEMVER: semver.org 2.0.0, with the
// pre-release taken as short as possible so that the extension (which starts with a letter) keeps `tar.gz`.
// The expression is fixed and the input capped, so matching time is bounded.
const FILES_FILENAME =
  /^(?<name>[A-Za-z0-9][A-Za-z0-9._]*?(?:-[A-Za-z0-9._]+?)*?)-(?<version>(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*?)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*?)?)\.(?<ext>[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)*)$/

export const INVALID_FILENAME_MESSAGE = 'Invalid filename format. Expected: {BASENAME}-{SEMVER}.{EXT}'

export interface FilesPackageName {
  readonly name: string
  readonly version: string
  readonly filename: string
}

/** @throws AppError `request_invalid` with Buildkite's message. */
export function parseFilesFilename(filename: string): FilesPackageName {
  const match = filename.length <= MAX_FILENAME_LENGTH ? FILES_FILENAME.exec(filename) : null
  const name = match?.groups?.name
  const version = match?.groups?.version
  if (name === undefined || version === undefined) throw new AppError('request_invalid', INVALID_FILENAME_MESSAGE)
  return Object.freeze({ name, version, filename })
}

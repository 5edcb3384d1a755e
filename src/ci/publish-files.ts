/**
 * The publish flow of Buildkite's publish-to-packages plugin, in one loop: for each file a fresh token for the
 * registry's audience, then the upload. Stops at the first failure, so a later file is never published when an
 * earlier one was not (a release is usually a set of files that belong together).
 */
import { constants } from 'node:fs'
import { access, stat } from 'node:fs/promises'
import type { FetchDeps } from './call-token-endpoint.js'
import type { PublishTarget } from './publish-target.js'
import type { TokenProvider, TokenRequest } from './token-provider.js'
import { uploadPackage } from './upload-package.js'

export type FileOutcome =
  | { readonly file: string; readonly ok: true; readonly webUrl: string }
  | { readonly file: string; readonly ok: false; readonly message: string }

/** The first file that cannot be read and why, checked before anything is sent; undefined when all can be. */
export async function findUnreadableFile(files: readonly string[]): Promise<{ readonly file: string; readonly message: string } | undefined> {
  for (const file of files) {
    try {
      await access(file, constants.R_OK)
      if (!(await stat(file)).isFile()) return { file, message: 'cannot read the file: not a regular file' }
    } catch (error) {
      const code = error instanceof Error && 'code' in error ? String(error.code) : String(error)
      return { file, message: `cannot read the file: ${code === 'ENOENT' ? 'no such file' : code}` }
    }
  }
  return undefined
}

/** Yields one outcome per file, in order, and none after the first failure. */
export async function* publishFiles(
  files: readonly string[],
  target: PublishTarget,
  provider: TokenProvider,
  request: Omit<TokenRequest, 'audience'>,
  deps: FetchDeps,
): AsyncGenerator<FileOutcome> {
  for (const file of files) {
    // A fresh token per file: tokens live minutes, and uploading several large files can take longer.
    const token = await provider.request({ ...request, audience: target.audience })
    if (!token.ok) {
      yield { file, ok: false, message: token.message }
      return
    }
    const uploaded = await uploadPackage(target, file, token.token, deps)
    yield uploaded.ok ? { file, ok: true, webUrl: uploaded.webUrl } : { file, ok: false, message: uploaded.message }
    if (!uploaded.ok) return
  }
}

/**
 * Uploads one file to the registry's REST publish endpoint (DESIGN.md 1.5:
 * `POST /v2/packages/organizations/{org}/registries/{registry}/packages`, multipart field `file`).
 */
import { openAsBlob } from 'node:fs'
import { basename } from 'node:path'
import type { FetchDeps } from './call-token-endpoint.js'
import type { PublishTarget } from './publish-target.js'
import { describeFetchError, parseJsonObject, readResponseText, stringMember } from './read-response.js'

/** The published package's page, or the server's `code: message` (or what went wrong on the way). */
export type UploadResult = { readonly ok: true; readonly webUrl: string } | { readonly ok: false; readonly message: string }

export async function uploadPackage(target: PublishTarget, file: string, token: string, deps: FetchDeps): Promise<UploadResult> {
  let body: FormData
  try {
    // A file-backed Blob: fetch streams it from disk part by part, so a 2 GiB package never sits in memory.
    body = new FormData()
    body.append('file', await openAsBlob(file), basename(file))
  } catch (error) {
    return { ok: false, message: `cannot read the file: ${describeFileError(error)}` }
  }
  let response: Response
  try {
    response = await deps.fetch(packagesUrl(target), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      body,
      redirect: 'manual',
    })
  } catch (error) {
    return { ok: false, message: `cannot reach ${target.server}: ${describeFetchError(error)}` }
  }
  const json = parseJsonObject(await readResponseText(response))
  if (response.ok) {
    const webUrl = stringMember(json, 'web_url')
    return webUrl === undefined ? { ok: false, message: `the server answered ${response.status} without a web_url` } : { ok: true, webUrl }
  }
  const code = stringMember(json, 'code')
  const message = stringMember(json, 'message')
  if (code !== undefined) return { ok: false, message: `${code}: ${message ?? response.statusText}` }
  return { ok: false, message: `HTTP ${`${response.status} ${response.statusText}`.trim()}${message === undefined ? '' : `: ${message}`}` }
}

export function packagesUrl(target: PublishTarget): string {
  const org = encodeURIComponent(target.org)
  const registry = encodeURIComponent(target.registry)
  return `${target.server}/v2/packages/organizations/${org}/registries/${registry}/packages`
}

function describeFileError(error: unknown): string {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') {
    return error.code === 'ENOENT' ? 'no such file' : error.code === 'EISDIR' ? 'is a directory' : error.code
  }
  return error instanceof Error ? error.message : String(error)
}

/** Where `packyard publish` sends files, and the audience its tokens must carry (DESIGN.md 1.2: `{public_url}/{org}/{registry}`). */
import type { Checked, Env } from './provider-settings.js'

export interface PublishTarget {
  /** The URL the CLI reaches the server at, without a trailing slash. */
  readonly server: string
  readonly org: string
  readonly registry: string
  /** The registry's audience: `{server}/{org}/{registry}` unless given (the server's public URL may differ). */
  readonly audience: string
}

export interface PublishTargetInput {
  readonly registry: string | undefined
  readonly server: string | undefined
  readonly audience: string | undefined
}

export function readPublishTarget(input: PublishTargetInput, env: Env): Checked<PublishTarget> {
  const server = (input.server ?? env.PACKYARD_SERVER ?? '').trim().replace(/\/+$/, '')
  if (server === '') return { ok: false, problem: '--server is required (or set PACKYARD_SERVER)' }
  if (!/^https?:\/\//.test(server) || !URL.canParse(server)) return { ok: false, problem: `--server must be an http(s) URL, not ${server}` }
  const [org, registry, ...rest] = (input.registry ?? '').split('/')
  if (org === undefined || org === '' || registry === undefined || registry === '' || rest.length > 0) {
    return { ok: false, problem: '--registry ORG/REGISTRY is required, e.g. --registry acme/packages' }
  }
  const audience = input.audience ?? `${server}/${org}/${registry}`
  return { ok: true, value: { server, org, registry, audience } }
}

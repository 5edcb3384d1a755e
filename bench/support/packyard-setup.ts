/** Setting up a bench Packyard over its REST API with the server admin token: registries, API tokens, files. */
import { z } from 'zod'
import { BENCH_ADMIN_TOKEN } from './child-protocol.js'

const API = '/v2/packages/organizations/default'
const IssuedToken = z.object({ token: z.string() })

async function callApi(url: string, method: string, path: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  const text = await response.text()
  if (!response.ok) throw new Error(`${method} ${path}: ${String(response.status)} ${text}`)
  return JSON.parse(text)
}

/** Creates a `files` registry in the `default` organization. */
export async function createFilesRegistry(url: string, name: string, options: { public?: boolean; policy?: string } = {}): Promise<void> {
  await callApi(url, 'POST', `${API}/registries`, {
    name, ecosystem: 'files', public: options.public ?? false, ...(options.policy !== undefined ? { oidc_policy: options.policy } : {}),
  })
}

/** Creates an `npm` registry in the `default` organization; its npm endpoint is `{url}/default/{name}/npm/`. */
export async function createNpmRegistry(url: string, name: string): Promise<void> {
  await callApi(url, 'POST', `${API}/registries`, { name, ecosystem: 'npm', public: false })
}

/** An API token of the `default` organization with `scopes`; returns its secret. */
export async function createApiToken(url: string, scopes: readonly string[]): Promise<string> {
  return IssuedToken.parse(await callApi(url, 'POST', '/v2/organizations/default/api_tokens', { description: 'bench', scopes })).token
}

/** The REST publish endpoint of a registry of the `default` organization. */
export function publishUrlOf(url: string, registry: string): string {
  return `${url}${API}/registries/${registry}/packages`
}

/** Publishes `content` as `filename` (small files: the body is built in memory). */
export async function publishFile(url: string, registry: string, filename: string, content: Uint8Array): Promise<void> {
  const form = new FormData()
  form.append('file', new Blob([content]), filename)
  const response = await fetch(publishUrlOf(url, registry), { method: 'POST', headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` }, body: form })
  if (response.status !== 201) throw new Error(`publishing ${filename}: ${String(response.status)} ${await response.text()}`)
}

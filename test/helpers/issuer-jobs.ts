/** Small clients for the embedded issuer's job and token APIs, for the integration tests. */
import assert from 'node:assert/strict'
import type { TestServer } from './start-server.js'

export interface CreatedJob {
  readonly job_id: string
  readonly agent_access_token: string
  readonly endpoint: string
  readonly expires_at: string
}

/** A job of pipeline `web` on `main` in the bootstrap organization `default`, with `overrides`. */
export function jobBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    organization_slug: 'default', pipeline_slug: 'web', build_number: 42, build_branch: 'main',
    build_commit: '9f3182061f1e2cca4702c368cbc039b7dc9d4485', step_key: 'publish', ...overrides,
  }
}

/** Creates a job as the server admin (or `token`) and returns it; fails the test on any other answer than 201. */
export async function createJob(server: Pick<TestServer, 'request'>, overrides: Record<string, unknown> = {}, token?: string): Promise<CreatedJob> {
  const response = await server.request('POST', '/issuer/v3/jobs', { json: jobBody(overrides), ...(token !== undefined ? { token } : {}) })
  assert.equal(response.status, 201, await response.clone().text())
  return (await response.json()) as CreatedJob
}

/** `POST /issuer/v3/jobs/{id}/oidc/tokens` as the agent does it: `Authorization: Token ...`, a JSON body. */
export function requestTokenResponse(server: Pick<TestServer, 'request'>, job: Pick<CreatedJob, 'job_id' | 'agent_access_token'>, body: unknown = {}): Promise<Response> {
  return server.request('POST', `/issuer/v3/jobs/${job.job_id}/oidc/tokens`, {
    token: null, headers: { authorization: `Token ${job.agent_access_token}` }, json: body,
  })
}

/** A token for `job`; fails the test unless the issuer answers 200 `{token}`. */
export async function requestToken(server: Pick<TestServer, 'request'>, job: CreatedJob, body: unknown = {}): Promise<string> {
  const response = await requestTokenResponse(server, job, body)
  assert.equal(response.status, 200, await response.clone().text())
  const { token } = (await response.json()) as { token: string }
  return token
}

/**
 * A stub of a CI token endpoint on 127.0.0.1: the Buildkite agent API (`POST /v3/jobs/{id}/oidc/tokens`,
 * AGENT api/oidc.go) or GitHub's Actions token service (`GET ...?api-version=2.0&audience=...`). It records
 * every request (method, raw path, headers, body) and answers from a queue of scripted replies, then from a
 * default handler, so tests can prove the wire format and the retry policy.
 *
 *   const agent = await startStubTokenEndpoint()
 *   agent.enqueue({ status: 500, json: { message: 'down' } }, { status: 200, json: { token: 'a.b.c' } })
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface RecordedRequest {
  readonly method: string
  /** The request target as sent, still percent-encoded. */
  readonly path: string
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

/** An answer: a status with a JSON or raw body, or `drop` to close the connection without one (a network error). */
export type StubReply = { readonly status: number; readonly json?: unknown; readonly text?: string } | 'drop'

export interface StubTokenEndpoint {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string
  readonly requests: readonly RecordedRequest[]
  /** Replies for the next requests, in order; after them the default handler answers. */
  enqueue(...replies: StubReply[]): void
  setDefault(handler: (request: RecordedRequest) => StubReply): void
  reset(): void
  close(): Promise<void>
}

/** The fixture answer of the agent's tests for a job the agent may not claim. */
export const FORBIDDEN_REPLY: StubReply = { status: 403, json: { message: 'Forbidden; method not allowed' } }

export async function startStubTokenEndpoint(): Promise<StubTokenEndpoint> {
  const requests: RecordedRequest[] = []
  const queue: StubReply[] = []
  let fallback: (request: RecordedRequest) => StubReply = () => ({ status: 404, json: { message: 'Not Found' } })

  const server = createServer((request, response) => {
    void readBody(request).then((body) => {
      const recorded = { method: request.method ?? '', path: request.url ?? '', headers: request.headers, body }
      requests.push(recorded)
      answer(request, response, queue.shift() ?? fallback(recorded))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${String(port)}`,
    get requests() { return [...requests] },
    enqueue: (...replies) => { queue.push(...replies) },
    setDefault: (handler) => { fallback = handler },
    reset: () => {
      requests.length = 0
      queue.length = 0
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => { resolve() })
    }),
  }
}

function answer(request: IncomingMessage, response: ServerResponse, reply: StubReply): void {
  if (reply === 'drop') {
    request.socket.destroy()
    return
  }
  const body = reply.text ?? (reply.json === undefined ? '' : JSON.stringify(reply.json))
  response.writeHead(reply.status, { 'content-type': reply.text === undefined ? 'application/json' : 'text/plain' }).end(body)
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/**
 * The load balancer of a scale-out deployment, for tests: terminates TLS with a throwaway self-signed
 * certificate (made by the openssl command) and forwards each request, streamed both ways, to the next backend
 * in turn, with the X-Forwarded-* headers a proxy adds. Requests without a body go to the next backend when one
 * refuses the connection, as a load balancer's passive health check does.
 */
import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface TlsProxy {
  /** `https://127.0.0.1:{port}`: the public URL of the servers behind it. */
  readonly url: string
  /** The certificate's path, for NODE_EXTRA_CA_CERTS or `curl --cacert`. */
  readonly caPath: string
  /** The certificate, for node's `https.request({ ca })`. */
  readonly ca: string
  close(): Promise<void>
}

export async function startTlsProxy(options: { port: number; backends: readonly string[] }): Promise<TlsProxy> {
  const dir = await mkdtemp(join(tmpdir(), 'packyard-tls-'))
  const keyPath = join(dir, 'key.pem')
  const caPath = join(dir, 'cert.pem')
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', keyPath, '-out', caPath,
  ], { stdio: 'ignore' })
  const ca = await readFile(caPath, 'utf8')
  let next = 0
  const forward = (incoming: IncomingMessage, outgoing: ServerResponse, attemptsLeft: number) => {
    const backend = new URL(options.backends[next++ % options.backends.length]!)
    const upstream = httpRequest({
      host: backend.hostname, port: backend.port, method: incoming.method, path: incoming.url,
      headers: { ...incoming.headers, 'x-forwarded-proto': 'https', 'x-forwarded-host': incoming.headers.host ?? '', 'x-forwarded-for': incoming.socket.remoteAddress ?? '' },
    })
    upstream.once('response', (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(outgoing)
    })
    upstream.once('error', (error: NodeJS.ErrnoException) => {
      const hasBody = incoming.headers['content-length'] !== undefined || incoming.headers['transfer-encoding'] !== undefined
      if (error.code === 'ECONNREFUSED' && !hasBody && attemptsLeft > 1) forward(incoming, outgoing, attemptsLeft - 1)
      else if (!outgoing.headersSent) outgoing.writeHead(502, { 'content-type': 'text/plain' }).end('bad gateway')
      else outgoing.destroy()
    })
    incoming.pipe(upstream)
  }
  const server = createServer({ key: await readFile(keyPath), cert: ca }, (incoming, outgoing) => {
    forward(incoming, outgoing, options.backends.length)
  })
  await new Promise<void>((resolve) => server.listen(options.port, '127.0.0.1', resolve))
  return {
    url: `https://127.0.0.1:${String(options.port)}`,
    caPath,
    ca,
    async close() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      await rm(dir, { recursive: true, force: true })
    },
  }
}

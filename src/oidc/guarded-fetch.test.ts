import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { startLocalIssuer, type LocalIssuer } from '../../test/helpers/local-issuer.js'
import { createGuardedFetch, type FetchJsonResult } from './guarded-fetch.js'

const INSECURE = { allowInsecureHttp: true, allowPrivateAddresses: false }
const STRICT = { allowInsecureHttp: false, allowPrivateAddresses: false }

function reasonOf(result: FetchJsonResult): string {
  return result.ok ? 'ok' : result.reason
}

describe('createGuardedFetch', () => {
  let issuer: LocalIssuer
  let loop: Server
  let loopUrl: string

  before(async () => {
    issuer = await startLocalIssuer({ algorithms: ['ES256'] })
    loop = createServer((request, response) => response.writeHead(302, { location: `${request.url ?? '/'}x` }).end())
    await new Promise<void>((resolve) => loop.listen(0, '127.0.0.1', resolve))
    const { port } = loop.address() as AddressInfo
    loopUrl = `http://127.0.0.1:${String(port)}/`
  })
  after(async () => {
    await issuer.close()
    loop.closeAllConnections()
    await new Promise((resolve) => loop.close(resolve))
  })

  it('fetches JSON over http from loopback when the issuer allows insecure http', async () => {
    const result = await createGuardedFetch()(issuer.jwksUri, INSECURE)
    assert.ok(result.ok)
    assert.deepEqual(result.value, issuer.jwks())
  })

  it('refuses http, and loopback addresses, without allowInsecureHttp, before connecting', async () => {
    assert.equal(reasonOf(await createGuardedFetch()(issuer.jwksUri, STRICT)), 'url_refused')
    const toLoopback = createGuardedFetch({ resolveHost: () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]) })
    assert.equal(reasonOf(await toLoopback('https://issuer.example/jwks', STRICT)), 'address_refused')
    assert.equal(issuer.requestCount(), 1)
  })

  for (const url of ['file:///etc/passwd', 'ftp://issuer.example/jwks', 'not a url', 'https://user:secret@issuer.example/jwks']) {
    it(`refuses the URL ${url}`, async () => {
      assert.equal(reasonOf(await createGuardedFetch()(url, INSECURE)), 'url_refused')
    })
  }

  for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://[::ffff:169.254.169.254]/', 'http://[fd00:ec2::254]/', 'http://0.0.0.0/', 'http://10.0.0.5/admin', 'http://[::ffff:10.0.0.5]/']) {
    it(`refuses the IP literal in ${url} even with insecure http allowed`, async () => {
      assert.equal(reasonOf(await createGuardedFetch()(url, INSECURE)), 'address_refused')
    })
  }

  it('refuses a host name that resolves to a metadata address, whatever the settings', async () => {
    const fetchJson = createGuardedFetch({ resolveHost: () => Promise.resolve([{ address: '169.254.169.254', family: 4 }]) })
    assert.equal(reasonOf(await fetchJson('https://rebound.example/jwks', { allowInsecureHttp: true, allowPrivateAddresses: true })), 'address_refused')
  })

  it('refuses a host name when any of its addresses is refused', async () => {
    const fetchJson = createGuardedFetch({ resolveHost: () => Promise.resolve([{ address: '8.8.8.8', family: 4 }, { address: '10.0.0.5', family: 4 }]) })
    assert.equal(reasonOf(await fetchJson('https://mixed.example/jwks', STRICT)), 'address_refused')
  })

  it('allows a private address with allowPrivateAddresses, connecting to the address it vetted', async () => {
    const resolveHost = () => Promise.resolve([{ address: '127.0.0.1', family: 4 }])
    const fetchJson = createGuardedFetch({ resolveHost })
    const url = issuer.jwksUri.replace('127.0.0.1', 'issuer.internal')
    assert.equal(reasonOf(await fetchJson(url, INSECURE)), 'ok')
  })

  it('reports a name that does not resolve as dns_failed', async () => {
    const fetchJson = createGuardedFetch({ resolveHost: () => Promise.reject(new Error('ENOTFOUND')) })
    assert.equal(reasonOf(await fetchJson('https://nowhere.example/jwks', STRICT)), 'dns_failed')
  })

  it('follows at most three same-origin redirects', async () => {
    const result = await createGuardedFetch()(loopUrl, INSECURE)
    assert.equal(reasonOf(result), 'redirect_refused')
  })

  it('refuses a redirect to another origin without requesting it', async () => {
    issuer.setFault('redirect-cross-origin', 'jwks')
    issuer.resetRequestCounts()
    try {
      assert.equal(reasonOf(await createGuardedFetch()(issuer.jwksUri, INSECURE)), 'redirect_refused')
      assert.equal(issuer.requestCount(), 1)
    } finally {
      issuer.setFault('none')
    }
  })

  it('times out a hanging server after timeoutMs', async () => {
    issuer.setFault('hang', 'jwks')
    try {
      const started = performance.now()
      assert.equal(reasonOf(await createGuardedFetch({ timeoutMs: 150 })(issuer.jwksUri, INSECURE)), 'timeout')
      assert.ok(performance.now() - started < 1000)
    } finally {
      issuer.setFault('none')
    }
  })

  it('refuses bodies over the cap, declared or streamed, and non-200 answers and non-JSON bodies', async () => {
    const cases = [['huge-declared', 'too_large'], ['huge', 'too_large'], ['fail', 'http_status'], ['invalid-json', 'invalid_json']] as const
    try {
      for (const [fault, reason] of cases) {
        issuer.setFault(fault, 'jwks')
        assert.equal(reasonOf(await createGuardedFetch()(issuer.jwksUri, INSECURE)), reason, fault)
      }
    } finally {
      issuer.setFault('none')
    }
  })

  it('honours a smaller body cap', async () => {
    assert.equal(reasonOf(await createGuardedFetch({ maxBodyBytes: 10 })(issuer.jwksUri, INSECURE)), 'too_large')
  })
})

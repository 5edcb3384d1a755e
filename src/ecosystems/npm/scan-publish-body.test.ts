import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { AppError } from '../../errors.js'
import { createPublishBodyScanner } from './scan-publish-body.js'

interface Scan { document: unknown; attachments: Map<string, Buffer> }

function scan(text: string, options: { chunk?: number; maxDocumentBytes?: number } = {}): Scan {
  const attachments = new Map<string, Buffer>()
  const scanner = createPublishBodyScanner({
    maxDocumentBytes: options.maxDocumentBytes ?? 1024 * 1024,
    onAttachment(name) {
      const parts: Buffer[] = []
      return { write: (chunk) => { parts.push(Buffer.from(chunk)) }, end: () => { attachments.set(name, Buffer.concat(parts)) } }
    },
  })
  const bytes = Buffer.from(text)
  const step = options.chunk ?? bytes.length
  for (let offset = 0; offset < bytes.length; offset += step) scanner.write(bytes.subarray(offset, offset + step))
  return { document: scanner.end(), attachments }
}

const invalid = (pattern: RegExp) => (error: unknown) => error instanceof AppError && pattern.test(error.message)
const payload = Buffer.from(Array.from({ length: 300 }, (_, i) => i % 256))
const body = JSON.stringify({
  _id: 'x', name: 'x', 'dist-tags': { latest: '1.0.0' }, versions: { '1.0.0': { name: 'x', version: '1.0.0', data: 'not an attachment' } },
  _attachments: { 'x-1.0.0.tgz': { content_type: 'application/octet-stream', data: payload.toString('base64'), length: payload.length } },
})

describe('createPublishBodyScanner', () => {
  it('streams the attachment out and keeps the rest of the document, with empty data', () => {
    const { document, attachments } = scan(body)
    assert.deepEqual(attachments.get('x-1.0.0.tgz'), payload)
    const expected = JSON.parse(body) as { _attachments: Record<string, { data: string }> }
    expected._attachments['x-1.0.0.tgz']!.data = ''
    assert.deepEqual(document, expected)
  })

  for (const chunk of [1, 2, 3, 5, 64]) {
    it(`gives the same result fed ${String(chunk)} bytes at a time`, () => {
      assert.deepEqual(scan(body, { chunk }), scan(body))
    })
  }

  it('finds keys written with escapes, and decodes an escaped slash in the data', () => {
    const data = Buffer.from([0xff, 0xff, 0xfe]).toString('base64')
    assert.ok(data.includes('/'))
    const escaped = `{"name":"x","_attach\\u006dents":{"x-1.0.0.tgz":{"da\\u0074a":"${data.replace(/\//g, '\\/')}"}}}`
    assert.deepEqual(scan(escaped, { chunk: 3 }).attachments.get('x-1.0.0.tgz'), Buffer.from([0xff, 0xff, 0xfe]))
  })

  it('leaves `data` strings elsewhere in the document alone', () => {
    const { attachments, document } = scan('{"versions":{"_attachments":{"a":{"data":"QUJD"}}},"data":"QUJD"}')
    assert.equal(attachments.size, 0)
    assert.deepEqual(document, { versions: { _attachments: { a: { data: 'QUJD' } } }, data: 'QUJD' })
  })

  it('reports each attachment, so the caller can refuse a second one', () => {
    const names: string[] = []
    const scanner = createPublishBodyScanner({ maxDocumentBytes: 1024, onAttachment: (name) => { names.push(name); return { write: () => undefined, end: () => undefined } } })
    scanner.write(Buffer.from('{"_attachments":{"a.tgz":{"data":"QQ=="},"b.sigstore":{"data":"QQ=="}}}'))
    assert.deepEqual(names, ['a.tgz', 'b.sigstore'])
  })

  for (const [what, data] of [['characters outside base64', 'QUJD!'], ['padding in the middle', 'QQ==QUJD'], ['a length that is not a multiple of 4', 'QUJDR'], ['three padding characters', 'Q===']] as const) {
    it(`refuses attachment data with ${what}`, () => {
      assert.throws(() => scan(`{"_attachments":{"a":{"data":"${data}"}}}`, { chunk: 2 }), invalid(/base64/))
    })
  }

  it('refuses other escapes inside the data', () => {
    assert.throws(() => scan('{"_attachments":{"a":{"data":"QU\\u0041D"}}}'), invalid(/base64/))
  })

  it('refuses a document over its size cap, attachments not counted', () => {
    const big = JSON.stringify({ name: 'x', readme: 'r'.repeat(2000), _attachments: { a: { data: 'QUJD'.repeat(10_000) } } })
    assert.throws(() => scan(big, { maxDocumentBytes: 1000 }), (error: unknown) => error instanceof AppError && error.code === 'payload_too_large')
    assert.doesNotThrow(() => scan(big, { maxDocumentBytes: 3000 }))
  })

  it('refuses deep nesting, invalid JSON, and a body that ends inside the data', () => {
    assert.throws(() => scan(`${'['.repeat(100)}${']'.repeat(100)}`), invalid(/nested too deeply/))
    assert.throws(() => scan('{"name": x}'), invalid(/not valid JSON/))
    assert.throws(() => scan('{"_attachments":{"a":{"data":"QUJD'), invalid(/ends inside an attachment/))
  })
})

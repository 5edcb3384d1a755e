/**
 * Builds npm package tarballs and publish documents in memory for tests: ustar headers (with a pax record for
 * long paths), gzip, and the `PUT /<pkg>` body npm 11 sends.
 */
import { createHash } from 'node:crypto'
import { gzipSync } from 'node:zlib'

export interface TarFile {
  readonly path: string
  readonly content?: string | Uint8Array
  /** ustar typeflag; default '0' (file). */
  readonly type?: string
}

/** An uncompressed tar archive of `files`, ended by two zero blocks. */
export function buildTar(files: readonly TarFile[]): Buffer {
  const blocks: Buffer[] = []
  for (const file of files) {
    const content = Buffer.from(file.content ?? '')
    if (Buffer.byteLength(file.path) > 100) {
      const record = paxRecord('path', file.path)
      blocks.push(header('PaxHeader', record.length, 'x'), pad(record))
    }
    blocks.push(header(file.path.slice(0, 100), content.length, file.type ?? '0'), pad(content))
  }
  blocks.push(Buffer.alloc(1024))
  return Buffer.concat(blocks)
}

/** A gzipped npm tarball with `package/package.json` for `manifest`, plus `extra` files. */
export function buildPackageTarball(manifest: Record<string, unknown>, extra: readonly TarFile[] = []): Buffer {
  return gzipSync(buildTar([{ path: 'package/package.json', content: JSON.stringify(manifest, null, 2) }, { path: 'package/index.js', content: 'module.exports = 42\n' }, ...extra]))
}

export interface PublishDocumentOptions {
  readonly tarball: Buffer
  readonly name: string
  readonly version: string
  readonly tags?: Record<string, string>
  /** Replaces the computed dist fields. */
  readonly dist?: Record<string, unknown>
  /** Replaces the attachments. */
  readonly attachments?: Record<string, unknown>
}

/** The JSON body of `npm publish` (npm 11.19, ecosystems.md §3). */
export function buildPublishDocument(options: PublishDocumentOptions): Record<string, unknown> {
  const { name, version, tarball } = options
  const filename = `${name}-${version}.tgz`
  return {
    _id: name,
    name,
    description: 'test package',
    'dist-tags': options.tags ?? { latest: version },
    versions: {
      [version]: {
        name, version, description: 'test package', _id: `${name}@${version}`, _nodeVersion: '20.20.2', _npmVersion: '11.19.1',
        dist: options.dist ?? {
          integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}`,
          shasum: createHash('sha1').update(tarball).digest('hex'),
          tarball: `http://example.invalid/${filename}`,
        },
      },
    },
    access: null,
    _attachments: options.attachments ?? { [filename]: { content_type: 'application/octet-stream', data: tarball.toString('base64'), length: tarball.length } },
  }
}

function header(name: string, size: number, type: string): Buffer {
  const block = Buffer.alloc(512)
  block.write(name, 0, 100, 'utf8')
  block.write('0000644\0', 100, 'latin1')
  block.write('0000000\0', 108, 'latin1')
  block.write('0000000\0', 116, 'latin1')
  block.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1')
  block.write('00000000000\0', 136, 'latin1')
  block.write(type, 156, 'latin1')
  block.write('ustar\0', 257, 'latin1')
  block.write('00', 263, 'latin1')
  block.fill(0x20, 148, 156)
  let sum = 0
  for (const byte of block) sum += byte
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1')
  return block
}

function pad(content: Buffer): Buffer {
  const rest = content.length % 512
  return rest === 0 ? content : Buffer.concat([content, Buffer.alloc(512 - rest)])
}

function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`
  let length = Buffer.byteLength(body) + 1
  while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body)
  return Buffer.from(`${String(length)}${body}`)
}

/**
 * Bench-only: the baseline a registry is held to, a plain `node:http` server doing the least the same job
 * needs. `POST /upload` pipes the request body to a new file and fsyncs it before answering (as Packyard does);
 * `GET /files/{name}` streams a file of `--files-dir` with roughly Packyard's download headers.
 *
 *   node --import tsx bench/support/baseline-server.ts --upload-dir DIR [--files-dir DIR]
 */
import { randomUUID } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { open, rm, stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { parseArgs } from 'node:util'
import { announceReadyUntilStopped } from './child-protocol.js'

const FILE_PATH = /^\/files\/([A-Za-z0-9._-]+)$/

async function receiveUpload(request: IncomingMessage, response: ServerResponse, uploadDir: string): Promise<void> {
  const path = join(uploadDir, `${randomUUID()}.part`)
  await pipeline(request, createWriteStream(path, { flags: 'wx' }))
  const handle = await open(path, 'r+')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
  const { size } = await stat(path)
  response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ size }))
  // Off the clock: the client has its answer; only the disk space is reclaimed.
  await rm(path, { force: true })
}

async function sendFile(response: ServerResponse, filesDir: string, name: string): Promise<void> {
  const path = join(filesDir, name)
  const info = await stat(path)
  response.writeHead(200, {
    etag: `"${info.size.toString(16)}-${info.mtimeMs.toString(16)}"`,
    'accept-ranges': 'bytes',
    'cache-control': 'private, max-age=0, must-revalidate',
    'content-disposition': `attachment; filename="${name}"`,
    'x-content-type-options': 'nosniff',
    'content-type': 'application/octet-stream',
    'content-length': String(info.size),
  })
  await pipeline(createReadStream(path), response)
}

function handle(request: IncomingMessage, response: ServerResponse, dirs: { upload: string; files: string | undefined }): Promise<void> {
  if (request.method === 'POST' && request.url === '/upload') return receiveUpload(request, response, dirs.upload)
  const name = FILE_PATH.exec(request.url ?? '')?.[1]
  if (request.method === 'GET' && name !== undefined && dirs.files !== undefined) return sendFile(response, dirs.files, name)
  response.writeHead(404).end()
  return Promise.resolve()
}

function isPrematureClose(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ERR_STREAM_PREMATURE_CLOSE'
}

function main(): void {
  const { values } = parseArgs({ options: { 'upload-dir': { type: 'string' }, 'files-dir': { type: 'string' } } })
  const upload = values['upload-dir']
  if (upload === undefined) throw new Error('--upload-dir is required')
  const dirs = { upload, files: values['files-dir'] }
  const server = createServer((request, response) => {
    handle(request, response, dirs).catch((error: unknown) => {
      // A client that stops reading mid-download (a benchmark ending) is not an error.
      if (!isPrematureClose(error)) console.error('baseline server:', error)
      if (!response.headersSent) response.writeHead(500)
      response.destroy()
    })
  })
  server.keepAliveTimeout = 60_000
  server.listen(0, '127.0.0.1', () => {
    const address = server.address()
    const port = typeof address === 'object' && address !== null ? address.port : 0
    announceReadyUntilStopped(`http://127.0.0.1:${String(port)}`, () => new Promise((resolve) => {
      server.closeAllConnections()
      server.close(() => { resolve() })
    }))
  })
}

main()

/** The generic `files` ecosystem: any file named `{BASENAME}-{SEMVER}.{EXT}`, served at `.../files/{filename}`. */
import { z } from 'zod'
import { AppError } from '../../errors.js'
import { resolveRegistryBySlugs } from '../../http/api/route-context.js'
import { parseInput } from '../../http/parse-input.js'
import { sendBlob } from '../../http/send-blob.js'
import type { EcosystemAdapter } from '../ecosystem-adapter.js'
import { parseFilesFilename } from './parse-files-filename.js'

const FileParams = z.object({ org: z.string().min(1).max(100), registry: z.string().min(1).max(100), filename: z.string().min(1).max(255) })

export const filesAdapter: EcosystemAdapter = {
  ecosystem: 'files',
  identify: parseFilesFilename,
  registerRoutes(app, deps) {
    app.get('/:org/:registry/files/:filename', async (request, reply) => {
      const params = parseInput(FileParams, request.params, 'path')
      const { registry } = await resolveRegistryBySlugs(deps, request, params.org, params.registry, 'read_packages')
      if (registry.ecosystem !== 'files') throw new AppError('not_found', `${params.org}/${params.registry} is not a files registry`)
      const pkg = await deps.packages.findFile(registry, params.filename)
      if (pkg === undefined) throw new AppError('not_found', `${params.filename} not found`)
      return sendBlob(request, reply, deps.blobs, pkg, (bytes) => {
        deps.metrics.bytesDownloaded.inc({}, bytes)
      })
    })
  },
}

/**
 * The npm ecosystem: the registry API that the real `npm` client speaks (publish, install, dist-tags, view,
 * deprecate, unpublish, search, whoami, ping, the audit endpoint) under `{public_url}/{org}/{registry}/npm/`,
 * npm's trusted-publishing token exchange at the host root, and REST uploads of `.tgz` files, which are
 * identified by the package.json inside them.
 */
import { AppError } from '../../errors.js'
import type { EcosystemAdapter } from '../ecosystem-adapter.js'
import { tarballFileName } from './npm-names.js'
import { publishNpmUpload } from './npm-publish.js'
import { registerNpmRoutes } from './npm-routes.js'

export const npmAdapter: EcosystemAdapter = {
  ecosystem: 'npm',
  identify() {
    // Never reached: publishUpload reads the identity from the tarball, not from the file's name.
    throw new AppError('request_invalid', 'npm packages are identified by the package.json inside the tarball')
  },
  publishUpload: (deps, upload) => publishNpmUpload(deps, upload),
  downloadPath: (pkg) => `npm/${pkg.name}/-/${tarballFileName(pkg.name, pkg.version)}`,
  registerRoutes: registerNpmRoutes,
}

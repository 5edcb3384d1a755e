/**
 * `PUT /<pkg>` without a tarball, and `PUT /<pkg>/-rev/<rev>`: npm sends the whole package document back with
 * a change. Packyard applies only the changes it supports: deprecation messages (`npm deprecate`), and, in the
 * `-rev` form that `npm unpublish <pkg>@<version>` uses, the removal of versions left out (`delete_packages`).
 * Everything else in the document is the registry's own and is ignored; versions never change.
 */
import { z } from 'zod'
import { AppError } from '../../errors.js'
import type { HttpDeps } from '../../http/http-deps.js'
import { parseInput } from '../../http/parse-input.js'
import type { Principal } from '../../registry/access-control.js'
import type { NpmTarget } from './npm-publish.js'

/** npm prints deprecation messages at every install; a paragraph is plenty. */
const MAX_DEPRECATION_LENGTH = 1024

const UpdateDocument = z.object({
  _id: z.string().optional(),
  name: z.string(),
  versions: z.record(z.string(), z.looseObject({ deprecated: z.string().max(MAX_DEPRECATION_LENGTH).optional() })).optional(),
})

export interface UpdateOptions {
  /** The `-rev` form: versions missing from the document are unpublished. */
  readonly revision: boolean
  /** Authorizes the caller for `delete_packages`, asked only when versions are to be removed. */
  authorizeDelete(): Promise<Principal>
}

/** @throws AppError `request_invalid`, `not_found`, or an authorization refusal */
export async function updateNpmDocument(deps: HttpDeps, target: NpmTarget, raw: unknown, options: UpdateOptions): Promise<void> {
  const document = parseInput(UpdateDocument, raw, 'package document')
  if (document.name !== target.name || (document._id !== undefined && document._id !== target.name)) {
    throw new AppError('request_invalid', `the document is for ${document.name.slice(0, 100)}, but the URL names ${target.name}`)
  }
  const live = await deps.catalog.versionsOf(target.registry, target.name)
  if (live.length === 0) throw new AppError('not_found', `${target.name} is not published`)
  const sent = document.versions ?? {}
  const messages = new Map<string, string | null>()
  for (const pkg of live) {
    if (!Object.hasOwn(sent, pkg.version)) continue
    // npm sends `deprecated: ""` to undeprecate; a version without the field is not deprecated either.
    const message = sent[pkg.version]?.deprecated
    messages.set(pkg.version, message === undefined || message === '' ? null : message)
  }
  const removed = options.revision ? live.filter((pkg) => !Object.hasOwn(sent, pkg.version)).map((pkg) => pkg.version) : []
  if (removed.length > 0) await deps.catalog.unpublish(target.org, target.registry, await options.authorizeDelete(), target.name, removed)
  await deps.catalog.deprecate(target.org, target.registry, target.principal, target.name, messages)
}

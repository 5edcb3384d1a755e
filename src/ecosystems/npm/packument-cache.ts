/**
 * Built package documents (packuments), kept as the JSON text sent, with the package revision they were built
 * from. Building one parses every version's stored metadata; serving one from here costs one primary-key read
 * of the revision (migrations/0004-package-revisions.ts), so a change made through any server shows at once.
 * One cache per server (its public URL is in every tarball URL), bounded by bytes; the oldest go first.
 */
import type { PackumentDocument } from './build-packument.js'

/** Memory for cached documents; a document of thousands of versions is a few MiB. */
const MAX_CACHED_BYTES = 64 * 1024 * 1024
/**
 * Larger documents are built each time rather than crowd out many small ones. The full document of a package
 * with 5,000 versions of an ordinary manifest (with provenance) is ~9 MB: it must fit (bench/scale.bench.ts).
 */
const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024

export interface CachedPackument {
  readonly revision: number
  /**
   * The JSON text's UTF-8 bytes, as sent: encoded once per build, not on every answer (a string of 9 MB costs
   * each answer ~8 ms more to encode and write on this machine; bench/scale.bench.ts).
   */
  readonly body: Buffer
  /** A strong validator of the body (build-packument.ts makes it): computed once per build. */
  readonly etag: string
}

export interface PackumentCache {
  /** The document of `key` built at `revision`, if cached. */
  get(key: string, revision: number): CachedPackument | undefined
  /** Keeps `document` as the one of `key` at `revision` (unless too large); returns it as cached. */
  set(key: string, revision: number, document: PackumentDocument): CachedPackument
  /**
   * The document of `key` at `revision`: cached, or built by `build` and kept. Requests arriving while it is
   * built wait for that build instead of starting their own (after a publish, every install asks at once).
   * Undefined when `build` finds no document.
   */
  getOrBuild(key: string, revision: number, build: () => Promise<PackumentDocument | undefined>): Promise<CachedPackument | undefined>
}

export function createPackumentCache(maxBytes = MAX_CACHED_BYTES): PackumentCache {
  const entries = new Map<string, CachedPackument>()
  const building = new Map<string, { readonly revision: number; readonly document: Promise<CachedPackument | undefined> }>()
  let bytes = 0
  const drop = (key: string) => {
    const old = entries.get(key)
    if (old === undefined) return
    entries.delete(key)
    bytes -= old.body.length
  }
  const get = (key: string, revision: number) => {
    const found = entries.get(key)
    return found?.revision === revision ? found : undefined
  }
  const set = (key: string, revision: number, { body, etag }: PackumentDocument): CachedPackument => {
    const cached = Object.freeze({ revision, body, etag })
    drop(key)
    if (body.length > MAX_DOCUMENT_BYTES || body.length > maxBytes) return cached
    for (const oldest of entries.keys()) {
      if (bytes + body.length <= maxBytes) break
      drop(oldest)
    }
    entries.set(key, cached)
    bytes += body.length
    return cached
  }
  return {
    get,
    set,
    getOrBuild(key, revision, build) {
      const found = get(key, revision)
      if (found !== undefined) return Promise.resolve(found)
      const inFlight = building.get(key)
      if (inFlight?.revision === revision) return inFlight.document
      const document = build().then((built) => (built === undefined ? undefined : set(key, revision, built)))
      building.set(key, { revision, document })
      const forget = () => {
        if (building.get(key)?.document === document) building.delete(key)
      }
      document.then(forget, forget)
      return document
    },
  }
}

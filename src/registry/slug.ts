/** Slugs: the kebab-case form of a name (Buildkite's rule), and the names the URL layout reserves. */
import { AppError } from '../errors.js'

/** Longest slug: fits a DNS label and keeps URLs readable. */
export const MAX_SLUG_LENGTH = 63

/**
 * First path segments that routes own (DESIGN.md 1.5); an organization or registry named so would be
 * unreachable or would shadow a route.
 */
const RESERVED_SLUGS: ReadonlySet<string> = new Set(['v2', 'ui', 'issuer', 'healthz', 'metrics', 'static', 'api', '-', '_'])

/** `"My Registry!"` → `"my-registry"`. @throws AppError `request_invalid` when nothing usable remains. */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
  if (slug === '') throw new AppError('request_invalid', `the name ${JSON.stringify(name)} has no letters or digits to make a slug from`)
  if (slug.length > MAX_SLUG_LENGTH) throw new AppError('request_invalid', `the name makes a slug longer than ${String(MAX_SLUG_LENGTH)} characters`)
  assertSlugAllowed(slug)
  return slug
}

/** @throws AppError `request_invalid` for a reserved slug or one that is not kebab-case. */
export function assertSlugAllowed(slug: string): void {
  if (RESERVED_SLUGS.has(slug) || slug.startsWith('.')) throw new AppError('request_invalid', `the slug ${slug} is reserved`)
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(slug) || slug.length > MAX_SLUG_LENGTH) {
    throw new AppError('request_invalid', `${JSON.stringify(slug)} is not a slug (lowercase letters, digits and single hyphens)`)
  }
}

/**
 * Bench-only: what the scale benchmark checks before it times anything, on both stores, so that a fast answer
 * is also a right one at 1,000,000 rows: the first page and the page 500,000 rows deep are exactly the rows the
 * database holds there, in the same order on SQLite and PostgreSQL; walking the 5,000 versions of the big
 * package page by page with `next` returns each version once, newest first, and walking back with `prev`
 * returns the same pages; the abbreviated packument holds every version and is the same document on both.
 */
import { z } from 'zod'
import { expectStatus, type LatencyClient } from './measure-latency.js'
import { BIG_NAME, BIG_VERSIONS } from './scale-dataset.js'
import type { ListedRow, ScaleStore } from './scale-stores.js'

const ListPage = z.object({
  items: z.array(z.object({ name: z.string(), version: z.string(), created_at: z.string() })),
  links: z.object({ next: z.string().nullable(), prev: z.string().nullable() }),
})
type ListPage = z.infer<typeof ListPage>
const Packument = z.object({ 'dist-tags': z.record(z.string(), z.string()), versions: z.record(z.string(), z.unknown()) })

export interface CheckedStore {
  readonly store: ScaleStore
  readonly client: LatencyClient
}

export interface Paths {
  readonly list: string
  readonly deepList: string
  readonly byName: (perPage: number) => string
  readonly packument: string
  /** The big package's dist-tag `bench`, for PUT. */
  readonly tag: string
}

/** An npm install's Accept header (npm 11). */
export const ABBREVIATED_ACCEPT = 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*'

async function getPage(client: LatencyClient, path: string): Promise<ListPage> {
  return ListPage.parse(JSON.parse(expectStatus(await client.get(path), 200, `GET ${path}`).body.toString('utf8')))
}

const labels = (items: readonly { name: string; version: string }[]) => items.map((item) => `${item.name}@${item.version}`)

function assertSame(what: string, a: readonly string[], b: readonly string[]): void {
  const at = a.findIndex((value, index) => value !== b[index])
  if (a.length !== b.length || at !== -1) {
    throw new Error(`${what}: differs at item ${String(at === -1 ? Math.min(a.length, b.length) : at)} (${String(a.length)} vs ${String(b.length)} items): ${String(a[at])} vs ${String(b[at])}`)
  }
}

/** Walks all pages of the big package's listing with `next`, then back with `prev`; returns the versions in order. */
async function walkBigPackage(checked: CheckedStore, paths: Paths): Promise<string[]> {
  const pages: string[][] = []
  let page = await getPage(checked.client, paths.byName(100))
  pages.push(labels(page.items))
  while (page.links.next !== null) {
    page = await getPage(checked.client, page.links.next)
    pages.push(labels(page.items))
  }
  for (let index = pages.length - 2; index >= 0 && page.links.prev !== null; index -= 1) {
    page = await getPage(checked.client, page.links.prev)
    assertSame(`${checked.store.label}: ${BIG_NAME} page ${String(index)} read back with prev`, labels(page.items), pages[index]!)
  }
  const versions = pages.flat()
  if (new Set(versions).size !== BIG_VERSIONS || versions.length !== BIG_VERSIONS) {
    throw new Error(`${checked.store.label}: walking ${BIG_NAME} gave ${String(versions.length)} items, ${String(new Set(versions).size)} distinct, not ${String(BIG_VERSIONS)}`)
  }
  return versions
}

async function checkPageAgainstDatabase(checked: CheckedStore, path: string, expected: readonly ListedRow[], what: string): Promise<string[]> {
  const page = await getPage(checked.client, path)
  const got = labels(page.items)
  assertSame(`${checked.store.label}: ${what} against the database`, got, labels(expected))
  const times = page.items.map((item) => item.created_at)
  if (times.some((time, index) => index > 0 && time > times[index - 1]!)) throw new Error(`${checked.store.label}: ${what} is not newest first`)
  return got
}

/** @throws Error naming the first difference found. */
export async function checkConsistency(sqlite: CheckedStore, postgres: CheckedStore, paths: Paths, depth: number, perPage: number): Promise<void> {
  const results = await Promise.all([sqlite, postgres].map(async (checked) => {
    const first = await checkPageAgainstDatabase(checked, paths.list, await checked.store.rowsAt(0, perPage), 'the first page')
    const deep = await checkPageAgainstDatabase(checked, paths.deepList, await checked.store.rowsAt(depth, perPage), `the page ${String(depth)} rows deep`)
    const big = await walkBigPackage(checked, paths)
    const origin = new URL(checked.store.server().url).origin
    const body = expectStatus(await checked.client.get(paths.packument, { accept: ABBREVIATED_ACCEPT }), 200, 'packument').body.toString('utf8')
    const packument = Packument.parse(JSON.parse(body))
    if (Object.keys(packument.versions).length !== BIG_VERSIONS) throw new Error(`${checked.store.label}: the packument has ${String(Object.keys(packument.versions).length)} versions`)
    return { first, deep, big, packument: body.replaceAll(origin, 'ORIGIN') }
  }))
  const [a, b] = results as [typeof results[0], typeof results[0]]
  assertSame('first page, SQLite vs PostgreSQL', a.first, b.first)
  assertSame(`page ${String(depth)} rows deep, SQLite vs PostgreSQL`, a.deep, b.deep)
  assertSame(`${BIG_NAME} walked page by page, SQLite vs PostgreSQL`, a.big, b.big)
  if (a.packument !== b.packument) throw new Error(`the abbreviated packument of ${BIG_NAME} differs between SQLite and PostgreSQL`)
}

/**
 * Bench-only: the real Packyard server (`createApp`, as `packyard serve` builds it) in its own process, for
 * benchmarks that measure its throughput and memory apart from the client's. It runs the compiled `dist/`
 * (bench/run.ts builds it first), as `npm start` does: under tsx every closure pays for a `__name` wrapper,
 * which is a cost of the loader, not of Packyard. Logging is at `warn`: the benchmarks measure the server, not
 * pino writing two lines per request to a pipe.
 *
 *   node --import tsx bench/support/packyard-server.ts --data-dir DIR [--config FILE]
 */
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { parseArgs } from 'node:util'
import { pino } from 'pino'
import type * as AppSource from '../../src/app.js'
import type * as ConfigSource from '../../src/config/server-config.js'
import { findFreePort } from '../../test/helpers/start-server.js'
import { announceReadyUntilStopped, BENCH_ADMIN_TOKEN } from './child-protocol.js'

type AppModule = typeof AppSource
type ConfigModule = typeof ConfigSource

async function main(): Promise<void> {
  const { createApp } = (await import(new URL('../../dist/app.js', import.meta.url).href)) as AppModule
  const { loadServerConfig } = (await import(new URL('../../dist/config/server-config.js', import.meta.url).href)) as ConfigModule
  const { values } = parseArgs({ options: { 'data-dir': { type: 'string' }, config: { type: 'string' } } })
  const dataDir = values['data-dir']
  if (dataDir === undefined) throw new Error('--data-dir is required')
  const port = await findFreePort()
  const url = `http://127.0.0.1:${String(port)}`
  const configPath = values.config
  const config = loadServerConfig({
    env: {},
    flags: { listen: `127.0.0.1:${String(port)}`, public_url: url, data_dir: dataDir },
    ...(configPath !== undefined ? { file: { name: basename(configPath), text: await readFile(configPath, 'utf8') } } : {}),
  })
  const app = await createApp(config, { env: { PACKYARD_ADMIN_TOKEN: BENCH_ADMIN_TOKEN }, logger: pino({ level: 'warn' }) })
  await app.server.listen({ host: '127.0.0.1', port })
  announceReadyUntilStopped(url, () => app.close())
}

await main()

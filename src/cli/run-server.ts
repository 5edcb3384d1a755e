/** Runs the server until SIGINT or SIGTERM, then drains requests and closes the stores. */
import { createApp } from '../app.js'
import type { ServerConfig } from '../config/server-config.js'
import { EXIT_OK, type CliIo } from './command.js'

export async function runServer(config: Readonly<ServerConfig>, io: CliIo): Promise<number> {
  const app = await createApp(config, { env: io.env })
  const [host, port] = splitListen(config.listen)
  await app.server.listen({ host, port })
  if (app.bootstrap !== null) {
    io.stderr(
      `\nCreated the organization "${app.bootstrap.organization}" and its admin API token (shown once, also written to ${app.bootstrap.tokenFile}):\n\n  ${app.bootstrap.adminToken}\n\n`,
    )
  }
  io.stderr(`packyard listening on http://${config.listen} (public URL ${config.public_url})\n`)
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve()
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  await app.close()
  return EXIT_OK
}

function splitListen(listen: string): [string, number] {
  const colon = listen.lastIndexOf(':')
  const host = listen.slice(0, colon).replace(/^\[|\]$/g, '')
  return [host, Number(listen.slice(colon + 1))]
}

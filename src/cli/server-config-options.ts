/**
 * The configuration of `packyard serve` as command-line options: `--config FILE` and one flag per key
 * (DESIGN.md 1.2). Shared by every command that opens the registry's stores as the server does (`serve`,
 * `admin gc`), so that the same flags, file and environment mean the same there.
 */
import { CONFIG_KEYS, flagNameOf, loadServerConfig, type ServerConfig } from '../config/server-config.js'
import { stringOption, type ParsedOptions } from './parse-options.js'
import { readTextFile } from './read-input.js'

/** For `parseOptions`: `--config` and a string flag per configuration key. */
export const SERVER_CONFIG_OPTIONS = {
  config: { type: 'string' },
  ...Object.fromEntries(CONFIG_KEYS.map((key) => [flagNameOf(key), { type: 'string' as const }])),
} as const

/** The configuration the parsed flags, `--config` file and environment give (flag > env > file > default). */
export async function loadConfigFromOptions(parsed: ParsedOptions, env: Readonly<Record<string, string | undefined>>): Promise<Readonly<ServerConfig>> {
  const configFile = stringOption(parsed, 'config')
  const flags = Object.fromEntries(CONFIG_KEYS.flatMap((key) => {
    const value = stringOption(parsed, flagNameOf(key))
    return value === undefined ? [] : [[key, value]]
  }))
  return loadServerConfig({
    ...(configFile !== undefined ? { file: { text: await readTextFile(configFile), name: configFile } } : {}),
    env,
    flags,
  })
}

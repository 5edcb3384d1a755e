/**
 * The server configuration of DESIGN.md 1.2: a file, environment variables and flags, in that order of
 * increasing precedence (flag > env > file > default). Unknown keys in the file are an error at start; values
 * are checked once here and the result is frozen.
 */
import { z } from 'zod'
import { AppError } from '../errors.js'
import { isJsonObject } from '../lib/is-json-object.js'
import { parseSafeYaml } from '../lib/safe-yaml.js'
import { DEFAULT_ISSUER_ENTRIES, IssuerEntries } from './issuer-entry.js'

/** 2 GiB: the largest package a registry takes unless configured otherwise. */
export const DEFAULT_MAX_UPLOAD_BYTES = 2_147_483_648

const SLUG = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a lowercase slug (a-z, 0-9, -)')
const LISTEN = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'must be HOST:PORT')
const PUBLIC_URL = z
  .url({ protocol: /^https?$/ })
  .refine((value) => !/[?#]/.test(value), 'must have no query or fragment')
  .transform((value) => value.replace(/\/+$/, ''))

export const ServerConfigSchema = z.strictObject({
  listen: LISTEN.default('127.0.0.1:8080'),
  public_url: PUBLIC_URL.default('http://127.0.0.1:8080'),
  data_dir: z.string().min(1).default('./data'),
  database: z.string().regex(/^(sqlite(:.+)?|postgres(ql)?:\/\/.+)$/, 'must be sqlite, sqlite:PATH or postgres://...').default('sqlite'),
  blobs: z.string().regex(/^(file(:.+)?|s3:\/\/.+)$/, 'must be file, file:PATH or s3://bucket?...').default('file'),
  max_upload_bytes: z.int().min(1).default(DEFAULT_MAX_UPLOAD_BYTES),
  embedded_issuer: z.boolean().default(true),
  /** The algorithm of the embedded issuer's first key; `packyard issuer rotate-key --algorithm` changes it later. */
  embedded_issuer_algorithm: z.enum(['RS256', 'ES256']).default('RS256'),
  bootstrap: z.strictObject({ organization: SLUG.default('default') }).default({ organization: 'default' }),
  issuers: IssuerEntries.default([...DEFAULT_ISSUER_ENTRIES]),
})
export type ServerConfig = z.infer<typeof ServerConfigSchema>

/** Keys settable by flag and environment variable, with how their text is read. */
const SCALAR_KEYS = {
  listen: 'string',
  public_url: 'string',
  data_dir: 'string',
  database: 'string',
  blobs: 'string',
  max_upload_bytes: 'integer',
  embedded_issuer: 'boolean',
  embedded_issuer_algorithm: 'string',
  'bootstrap.organization': 'string',
} as const
type ScalarKey = keyof typeof SCALAR_KEYS

/** `public_url` → `--public-url`; `bootstrap.organization` → `--bootstrap-organization`. */
export function flagNameOf(key: ScalarKey): string {
  return key.replace(/[._]/g, '-')
}

/** `public_url` → `PACKYARD_PUBLIC_URL`. */
export function envNameOf(key: ScalarKey): string {
  return `PACKYARD_${key.replace(/\./g, '_').toUpperCase()}`
}

export const CONFIG_KEYS: readonly ScalarKey[] = Object.freeze(Object.keys(SCALAR_KEYS).filter(isScalarKey))

export interface ConfigSources {
  /** The configuration file's text and name, when one is given. */
  readonly file?: { readonly text: string; readonly name: string }
  readonly env: Readonly<Record<string, string | undefined>>
  /** Flag values by config key (`public_url`), as typed on the command line. */
  readonly flags: Readonly<Partial<Record<ScalarKey, string | boolean>>>
}

/**
 * Builds the frozen configuration from its sources.
 * @throws AppError `config_invalid` naming every bad key and where it came from.
 */
export function loadServerConfig(sources: ConfigSources): Readonly<ServerConfig> {
  const merged = readFile(sources.file)
  for (const key of CONFIG_KEYS) {
    const envValue = sources.env[envNameOf(key)] ?? (key === 'database' ? sources.env.PACKYARD_DATABASE_URL : undefined)
    if (envValue !== undefined && envValue !== '') setPath(merged, key, coerce(key, envValue, envNameOf(key)))
    const flagValue = sources.flags[key]
    if (flagValue !== undefined) setPath(merged, key, coerce(key, flagValue, `--${flagNameOf(key)}`))
  }
  const parsed = ServerConfigSchema.safeParse(merged)
  if (!parsed.success) throw new AppError('config_invalid', `invalid configuration:\n${z.prettifyError(parsed.error)}`)
  return deepFreeze(parsed.data)
}

function readFile(file: ConfigSources['file']): Record<string, unknown> {
  if (file === undefined) return {}
  const { value, problems } = parseSafeYaml(file.text)
  if (problems.length > 0) {
    throw new AppError('config_invalid', problems.map((p) => `${file.name}:${String(p.line)}:${String(p.column)}: ${p.message}`).join('\n'))
  }
  if (value === null || value === undefined) return {}
  if (!isJsonObject(value)) throw new AppError('config_invalid', `${file.name}: the configuration must be a map of keys`)
  return structuredClone(value)
}

function coerce(key: ScalarKey, raw: string | boolean, source: string): unknown {
  const kind = SCALAR_KEYS[key]
  if (typeof raw === 'boolean') {
    if (kind !== 'boolean') throw new AppError('config_invalid', `${source} needs a value`)
    return raw
  }
  if (kind === 'integer') {
    if (!/^\d+$/.test(raw)) throw new AppError('config_invalid', `${source} must be a whole number, got ${JSON.stringify(raw)}`)
    return Number(raw)
  }
  if (kind === 'boolean') {
    if (raw === 'true' || raw === '1') return true
    if (raw === 'false' || raw === '0') return false
    throw new AppError('config_invalid', `${source} must be true or false, got ${JSON.stringify(raw)}`)
  }
  return raw
}

function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  const [head, child] = key.split('.')
  if (head === undefined) return
  if (child === undefined) {
    target[head] = value
    return
  }
  const nested = target[head]
  const parent: Record<string, unknown> = isJsonObject(nested) ? nested : {}
  parent[child] = value
  target[head] = parent
}

function isScalarKey(key: string): key is ScalarKey {
  return Object.hasOwn(SCALAR_KEYS, key)
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}

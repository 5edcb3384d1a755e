/** `node:util` parseArgs with our conventions: strict, `--help` everywhere, mistakes as UsageError. */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { UsageError } from './command.js'

type Options = NonNullable<ParseArgsConfig['options']>

export interface ParsedOptions {
  readonly values: Readonly<Record<string, string | boolean | string[] | undefined>>
  readonly positionals: readonly string[]
  readonly help: boolean
}

export function parseOptions(args: readonly string[], options: Options, maxPositionals: number): ParsedOptions {
  let parsed
  try {
    parsed = parseArgs({
      args: [...args],
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    })
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error))
  }
  const help = parsed.values.help === true
  if (!help && parsed.positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument: ${parsed.positionals[maxPositionals] ?? ''}`)
  }
  return { values: parsed.values, positionals: parsed.positionals, help }
}

/** The string value of a flag, or undefined. */
export function stringOption(parsed: ParsedOptions, name: string): string | undefined {
  const value = parsed.values[name]
  return typeof value === 'string' ? value : undefined
}

/** The string value of a required flag. */
export function requireOption(parsed: ParsedOptions, name: string): string {
  const value = stringOption(parsed, name)
  if (value === undefined || value === '') throw new UsageError(`--${name} is required`)
  return value
}

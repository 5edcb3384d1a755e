/** Request input is parsed at the edge with zod (DESIGN.md Part 3.4): a mismatch is 400 `request_invalid`. */
import { z } from 'zod'
import { AppError } from '../errors.js'

export function parseInput<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(value)
  if (!result.success) throw new AppError('request_invalid', `invalid ${what}: ${z.prettifyError(result.error).replace(/\n/g, '; ')}`)
  return result.data
}

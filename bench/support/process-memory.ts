/**
 * The resident set size of another process (a server child), from `/proc/{pid}/status` on Linux: read from
 * outside, so a busy event loop in the child never skews or delays the figure.
 */
import { readFileSync, writeFileSync } from 'node:fs'

const KIB = 1024

function readStatusKib(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${String(pid)}/status`, 'utf8'))
  if (match?.[1] === undefined) throw new Error(`no ${field} in /proc/${String(pid)}/status`)
  return Number(match[1])
}

/** Current RSS in bytes. */
export function readRssBytes(pid: number): number {
  return readStatusKib(pid, 'VmRSS') * KIB
}

/**
 * Peak RSS in bytes since the last `resetPeakRss` (the kernel's high-water mark, exact however short the peak).
 */
export function readPeakRssBytes(pid: number): number {
  return readStatusKib(pid, 'VmHWM') * KIB
}

/** Resets the kernel's RSS high-water mark to the current RSS (`clear_refs` 5, Linux 4.0+); false if refused. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${String(pid)}/clear_refs`, '5')
    return true
  } catch {
    return false
  }
}

export interface PeakRssProbe {
  /** Stops sampling; the largest RSS seen, in bytes, counting the kernel's high-water mark when it was reset. */
  stop(): number
}

/**
 * Watches `pid`'s RSS: resets the high-water mark and also samples VmRSS every `intervalMs`, as a fallback
 * where `clear_refs` is refused.
 */
export function watchPeakRss(pid: number, intervalMs = 25): PeakRssProbe {
  const exact = resetPeakRss(pid)
  let peak = readRssBytes(pid)
  const timer = setInterval(() => { peak = Math.max(peak, readRssBytes(pid)) }, intervalMs)
  return {
    stop() {
      clearInterval(timer)
      peak = Math.max(peak, readRssBytes(pid))
      return exact ? Math.max(peak, readPeakRssBytes(pid)) : peak
    },
  }
}

/**
 * What garbage collection lists in a blob directory: the blobs under `sha256/{xx}/`, a page per fan-out directory
 * (about 1/256 of the store), and the temporary files of unfinished uploads under `tmp/`. Names that are not
 * ours (not a digest in its own fan-out directory) are never listed, so garbage collection never removes them.
 */
import { readdir, rm, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import type { BlobEntry, BlobInventory, UploadLeftover } from '../registry/ports.js'
import { isSha256Hex, requireSha256Hex } from './sha256-hex.js'

const FAN_OUT_DIR = /^[0-9a-f]{2}$/
/** Temporary files per page; a page is stat'ed at once. */
const LEFTOVERS_PER_PAGE = 1000

export function createFsBlobInventory(dirs: { blobDir: string; tmpDir: string }): BlobInventory {
  const { blobDir, tmpDir } = dirs
  const describeBlob = async (sha256: string): Promise<BlobEntry | undefined> => {
    const info = await statFile(join(blobDir, requireSha256Hex(sha256).slice(0, 2), sha256))
    return info === undefined ? undefined : Object.freeze({ sha256, size: info.size, modifiedAtMs: info.mtimeMs })
  }
  return {
    async *listBlobs() {
      for (const dir of (await readdir(blobDir)).filter((name) => FAN_OUT_DIR.test(name)).sort()) {
        const names = (await readdir(join(blobDir, dir))).filter((name) => isSha256Hex(name) && name.startsWith(dir))
        const entries = await Promise.all(names.map(describeBlob))
        yield entries.filter((entry) => entry !== undefined)
      }
    },
    describeBlob,
    async *listLeftovers() {
      const names = await readdir(tmpDir)
      for (let start = 0; start < names.length; start += LEFTOVERS_PER_PAGE) {
        const page = await Promise.all(names.slice(start, start + LEFTOVERS_PER_PAGE).map(async (name): Promise<UploadLeftover | undefined> => {
          const info = await statFile(join(tmpDir, name))
          return info === undefined ? undefined : Object.freeze({ kind: 'temporary', name, size: info.size, modifiedAtMs: info.mtimeMs })
        }))
        yield page.filter((leftover) => leftover !== undefined)
      }
    },
    async removeLeftover(leftover) {
      // Only a plain name inside tmp/: the leftover came from our listing, but the port takes any value.
      if (leftover.kind !== 'temporary' || basename(leftover.name) !== leftover.name || leftover.name.startsWith('.')) return
      await rm(join(tmpDir, leftover.name), { force: true })
    },
  }
}

/** Size and modification time of a regular file, or undefined when it is gone (removed meanwhile) or not a file. */
async function statFile(path: string): Promise<{ size: number; mtimeMs: number } | undefined> {
  try {
    const info = await stat(path)
    return info.isFile() ? { size: info.size, mtimeMs: info.mtimeMs } : undefined
  } catch {
    return undefined
  }
}

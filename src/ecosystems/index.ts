/** The ecosystems this server speaks, in one table. */
import { createEcosystemAdapters, type EcosystemAdapters } from './ecosystem-adapter.js'
import { filesAdapter } from './files/files-adapter.js'
import { npmAdapter } from './npm/npm-adapter.js'

export function createAllEcosystemAdapters(): EcosystemAdapters {
  return createEcosystemAdapters([filesAdapter, npmAdapter])
}

/**
 * `npm run bench [-- NAME...]`: runs each `bench/NAME.bench.ts` in its own process, one after another, so that
 * one benchmark's garbage and JIT state never colour the next. Every benchmark runs its own baseline in the same
 * process and prints ratios, because this machine's speed varies up to 3× between runs.
 */
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'

const BENCH_DIR = 'bench'
const wanted = process.argv.slice(2)
const benches = readdirSync(BENCH_DIR)
  .filter((name) => name.endsWith('.bench.ts'))
  .map((name) => name.slice(0, -'.bench.ts'.length))
  .filter((name) => wanted.length === 0 || wanted.includes(name))
  .sort()

if (benches.length === 0) {
  console.error(`no benchmark found${wanted.length > 0 ? ` named ${wanted.join(', ')}` : ''} in ${BENCH_DIR}/`)
  process.exit(1)
}

// Bench servers run the compiled dist/, as `npm start` does; build it from the sources being measured.
const build = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' })
if (build.status !== 0) {
  console.error('npm run build failed')
  process.exit(1)
}

let failed = 0
for (const name of benches) {
  console.log(`\n## ${name}\n`)
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(BENCH_DIR, `${name}.bench.ts`)], { stdio: 'inherit' })
  if (result.status !== 0) failed += 1
}
process.exit(failed === 0 ? 0 : 1)

import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { parseNpmPath } from './parse-npm-path.js'

describe('parseNpmPath', () => {
  const cases: [string, ReturnType<typeof parseNpmPath>][] = [
    ['lib', { kind: 'package', name: 'lib' }],
    ['lib/', { kind: 'package', name: 'lib' }],
    ['@acme/widget', { kind: 'package', name: '@acme/widget' }],
    ['@acme/widget/-/widget-1.0.0.tgz', { kind: 'tarball', name: '@acme/widget', file: 'widget-1.0.0.tgz' }],
    ['lib/-/lib-1.0.0.tgz', { kind: 'tarball', name: 'lib', file: 'lib-1.0.0.tgz' }],
    ['lib/-rev/3-abc', { kind: 'package-revision', name: 'lib' }],
    ['@acme/widget/-/widget-1.0.0.tgz/-rev/3-abc', { kind: 'tarball-revision', name: '@acme/widget', file: 'widget-1.0.0.tgz' }],
    ['-/ping', { kind: 'ping' }],
    ['-/whoami', { kind: 'whoami' }],
    ['-/v1/search', { kind: 'search' }],
    ['-/npm/v1/security/advisories/bulk', { kind: 'audit' }],
    ['-/npm/v1/security/audits/quick', { kind: 'audit' }],
    ['-/package/lib/dist-tags', { kind: 'dist-tags', name: 'lib', tag: null }],
    ['-/package/@acme/widget/dist-tags/beta', { kind: 'dist-tags', name: '@acme/widget', tag: 'beta' }],
    ['', { kind: 'unknown' }],
    ['@acme', { kind: 'unknown' }],
    ['lib/extra', { kind: 'unknown' }],
    ['lib/-/', { kind: 'unknown' }],
    ['-/package/lib/dist-tags/a/b', { kind: 'unknown' }],
    ['-/unknown', { kind: 'unknown' }],
  ]
  for (const [path, expected] of cases) {
    it(`reads ${JSON.stringify(path)} as ${expected.kind}`, () => { assert.deepEqual(parseNpmPath(path), expected) })
  }
})

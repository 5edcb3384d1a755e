import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { formatJobExports, quoteForShell } from './format-job-exports.js'

describe('formatJobExports', () => {
  it('prints the three BUILDKITE_* exports, single-quoted', () => {
    const text = formatJobExports({ job_id: 'j-1', agent_access_token: 'pkyagent_abc', endpoint: 'http://127.0.0.1:8080/issuer/v3' })
    assert.equal(text, [
      "export BUILDKITE_AGENT_ENDPOINT='http://127.0.0.1:8080/issuer/v3'",
      "export BUILDKITE_AGENT_ACCESS_TOKEN='pkyagent_abc'",
      "export BUILDKITE_JOB_ID='j-1'",
      '',
    ].join('\n'))
  })

  it('quotes values that a shell would otherwise expand, and sh reads them back unchanged', () => {
    for (const value of ["it's", '$(touch /tmp/x)', '`id`', 'a b\nc', '"\\']) {
      assert.equal(execFileSync('sh', ['-c', `printf %s ${quoteForShell(value)}`], { encoding: 'utf8' }), value)
    }
  })
})

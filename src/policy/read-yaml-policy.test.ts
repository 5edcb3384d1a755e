import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { checkPolicy } from './check-policy.js'
import type { PolicyIssuer, PolicyProblem } from './types.js'

/** A custom single-tenant issuer: no catalog, no tenant claims, so only the reading is under test. */
const ISSUERS: readonly PolicyIssuer[] = [{ issuer: 'https://ci.example.com', tenantClaims: [] }]
const HEAD = '- iss: https://ci.example.com\n  scopes: [read_packages]\n  claims:\n'

function errorsOf(source: string): readonly PolicyProblem[] {
  const result = checkPolicy(source, ISSUERS)
  assert.equal(result.valid, false, 'the policy is refused')
  return result.errors
}

describe('readYamlPolicy attacks', () => {
  it('rejects an alias bomb without expanding it', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for (let i = 1; i < 9; i += 1) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`)
    const started = process.hrtime.bigint()
    const errors = errorsOf(levels.join('\n'))
    assert.ok(errors.some((e) => /aliases/.test(e.message)))
    assert.ok(process.hrtime.bigint() - started < 2_000_000_000n, 'refused without expansion')
  })

  it('rejects anchors and aliases, naming their lines', () => {
    const errors = errorsOf(`${HEAD}    a: &v main\n    b: *v\n`)
    assert.deepEqual(errors.map((e) => [e.message.split(' ')[0], e.line]), [['anchors', 4], ['aliases', 5]])
  })

  it('rejects duplicate keys, quoted or not', () => {
    const errors = errorsOf(`${HEAD}    a: main\n    "a": evil\n`)
    assert.match(errors[0]?.message ?? '', /unique/)
    assert.equal(errors[0]?.line, 5)
  })

  it('rejects tags, core or custom', () => {
    for (const value of ['!!js/function "function () {}"', '!!binary aGk=', '!!str main', '!custom x', '!!set {a, b}']) {
      assert.ok(errorsOf(`${HEAD}    a: ${value}\n`).some((e) => /tag/i.test(e.message)), value)
    }
  })

  it('rejects a %YAML 1.1 directive and never reads 1.1 booleans or octals', () => {
    assert.match(errorsOf(`%YAML 1.1\n---\n${HEAD}    a: on\n`)[0]?.message ?? '', /only YAML 1.2/)
    const result = checkPolicy(`${HEAD}    a: on\n    b: '014'\n`, ISSUERS)
    assert.equal(result.valid, true)
    const rules = result.policy?.statements[0]?.rules.map((rule) => rule.matchers[0]?.expected)
    assert.deepEqual(rules, ['on', '014'])
    assert.match(result.warnings[0]?.message ?? '', /`on` is the string "on"/)
  })

  it('rejects unquoted scalars that read as numbers but look like text', () => {
    for (const text of ['1234e56', '0x1F', '0o14', '014', '1.10', '.5', '+1', '1e3', '12345678901234567890', '.inf', '-.inf', '.nan']) {
      const [error] = errorsOf(`${HEAD}    build_commit: ${text}\n`)
      assert.match(error?.message ?? '', /quote it/, text)
      assert.deepEqual([error?.statement, error?.claim, error?.line, error?.column], [0, 'build_commit', 4, 19], text)
    }
  })

  it('accepts canonical numbers and strings that only look like numbers in YAML 1.1', () => {
    const result = checkPolicy(`${HEAD}    a: 42\n    b: -7\n    c: 1.5\n    d: 1_000\n    e: 12:30\n    f: 0b101\n    g: "1234e56"\n`, ISSUERS)
    assert.deepEqual(result.errors, [])
    const values = result.policy?.statements[0]?.rules.map((rule) => rule.matchers[0]?.expected)
    assert.deepEqual(values, [42, -7, 1.5, '1_000', '12:30', '0b101', '1234e56'])
  })

  it('keeps __proto__ an ordinary claim name and never pollutes prototypes', () => {
    const result = checkPolicy(`${HEAD}    __proto__: {equals: x}\n    constructor: y\n`, ISSUERS)
    assert.equal(result.valid, true)
    assert.deepEqual(result.policy?.statements[0]?.rules.map((rule) => rule.claim), ['__proto__', 'constructor'])
    assert.equal(({} as Record<string, unknown>).equals, undefined)
  })

  it('rejects a policy over 64 KiB before parsing it', () => {
    const big = `${HEAD}    a: "${'x'.repeat(65 * 1024)}"\n`
    const [error] = errorsOf(big)
    assert.match(error?.message ?? '', /at most 65536/)
  })

  it('counts the 64 KiB limit in UTF-8 bytes', () => {
    const [error] = errorsOf(`${HEAD}    a: "${'é'.repeat(33 * 1024)}"\n`)
    assert.match(error?.message ?? '', /bytes/)
  })

  it('rejects deep nesting without overflowing the stack', () => {
    for (const source of ['['.repeat(20_000) + ']'.repeat(20_000), `${'- '.repeat(5000)}x`, `${HEAD}    a: ${'{b: '.repeat(100)}c${'}'.repeat(100)}`]) {
      assert.match(errorsOf(source)[0]?.message ?? '', /nested too deeply/)
    }
  })

  it('rejects invalid YAML with its position', () => {
    const [error] = errorsOf(`${HEAD}    a: [unclosed\n`)
    assert.ok(error?.line !== null)
  })

  it('rejects multiple documents', () => {
    assert.ok(errorsOf(`${HEAD}    a: b\n---\n${HEAD}    a: c\n`).length > 0)
  })

  it('accepts quoted claim names holding colons, slashes and dots', () => {
    const result = checkPolicy(`${HEAD}    "agent_tag:queue": deploy\n    oidc.circleci.com/vcs-ref: refs/heads/main\n`, ISSUERS)
    assert.deepEqual(result.policy?.statements[0]?.rules.map((rule) => rule.claim), ['agent_tag:queue', 'oidc.circleci.com/vcs-ref'])
  })
})

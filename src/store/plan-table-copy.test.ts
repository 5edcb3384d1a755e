import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { SourceTable } from './open-sqlite-source.js'
import { planTableCopy, type DestinationTable, type TableCopyPlan } from './plan-table-copy.js'

const table = (name: string, columns: string[], parents: string[] = []): SourceTable => ({ name, columns, parents })
const problemsOf = (plan: TableCopyPlan): string => (plan.ok ? '' : plan.problems.join('\n'))
const same = (tables: readonly SourceTable[]): DestinationTable[] => tables.map(({ name, columns }) => ({ name, columns }))

describe('planTableCopy', () => {
  it('copies parents before the tables that reference them, whatever order the names sort in', () => {
    const source = [
      table('a_children', ['id', 'parent_id'], ['m_parents']),
      table('m_parents', ['id', 'root_id'], ['z_roots']),
      table('z_roots', ['id']),
      table('b_loose', ['id']),
    ]
    const plan = planTableCopy(source, same(source))
    assert.ok(plan.ok)
    assert.deepEqual(plan.tables.map((t) => t.name), ['z_roots', 'b_loose', 'm_parents', 'a_children'])
  })

  it('refuses a source table this version does not know (no silent skip)', () => {
    const source = [table('organizations', ['id']), table('future_things', ['id'])]
    const plan = planTableCopy(source, [{ name: 'organizations', columns: ['id'] }])
    assert.match(problemsOf(plan), /table future_things that this version of packyard does not know how to copy/)
  })

  it('refuses a table whose columns differ, naming them', () => {
    const plan = planTableCopy([table('packages', ['id', 'size', 'legacy'])], [{ name: 'packages', columns: ['id', 'size', 'metadata'] }])
    assert.match(problemsOf(plan), /packages .*only the source has legacy; only the destination has metadata/)
  })

  it('refuses a destination table the source lacks (an older source, or someone else\'s table)', () => {
    const plan = planTableCopy([table('organizations', ['id'])], [{ name: 'organizations', columns: ['id'] }, { name: 'dist_tags', columns: ['name'] }])
    assert.match(problemsOf(plan), /destination has a table dist_tags that the source lacks/)
  })

  it('refuses tables that reference each other, and names the source can not be quoted safely', () => {
    const cycle = [table('a', ['id'], ['b']), table('b', ['id'], ['a'])]
    const cyclic = planTableCopy(cycle, same(cycle))
    assert.match(problemsOf(cyclic), /a, b reference each other/)
    const odd = [table('Robert"); drop table x', ['id'])]
    assert.equal(planTableCopy(odd, same(odd)).ok, false)
  })
})

/**
 * Every case under fixtures/transform: the transformed code must equal output.<ext>, or the build error must equal
 * error.txt (message, locations and code frames), and the warnings must equal warnings.txt (none without it).
 * assert.fixture prints a line-numbered diff on a mismatch.
 */
import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { TransformError } from '../src/transform/index.js'
import { listCases, runCaseWithWarnings, runEdit, type FixtureCase } from './support/transform-fixtures.js'

const cases = listCases()
const outputs = suite('transform fixtures: output')
const errors = suite('transform fixtures: errors')
const warnings = suite('transform fixtures: warnings')
const edits = suite('transform fixtures: versions after an edit')

function checkWarnings(fixture: FixtureCase, actual: string): void {
  assert.fixture(
    actual,
    fixture.expectedWarnings ?? '',
    fixture.expectedWarnings ? 'warnings differ from warnings.txt' : 'warnings without warnings.txt',
  )
}

outputs('should have cases for both outputs and errors', () => {
  assert.ok(cases.filter((c) => c.expected !== undefined).length >= 20)
  assert.ok(cases.filter((c) => c.expectedError !== undefined).length >= 15)
  assert.ok(cases.filter((c) => c.expectedWarnings !== undefined).length >= 2)
  assert.ok(cases.filter((c) => c.edit !== undefined).length >= 8, 'version cases with an edit')
})

for (const fixture of cases) {
  if (fixture.expected !== undefined) {
    outputs(`should rewrite ${fixture.name} as in its output file`, () => {
      const actual = runCaseWithWarnings(fixture)
      assert.type(actual.code, 'string', 'the transform returned null')
      assert.fixture(actual.code!, fixture.expected!)
      checkWarnings(fixture, actual.warnings)
    })
  } else if (fixture.expectedError !== undefined) {
    errors(`should reject ${fixture.name} with the error in error.txt`, () => {
      let caught: unknown
      try {
        runCaseWithWarnings(fixture)
      } catch (error) {
        caught = error
      }
      assert.instance(caught, TransformError, 'no TransformError was thrown')
      assert.fixture((caught as TransformError).message + '\n', fixture.expectedError!)
    })
  } else if (fixture.expectedWarnings !== undefined) {
    warnings(`should leave ${fixture.name} unchanged, with the warnings in warnings.txt`, () => {
      const actual = runCaseWithWarnings(fixture)
      assert.is(actual.code, null, 'the transform rewrote the file')
      checkWarnings(fixture, actual.warnings)
    })
  } else {
    outputs(`fixture ${fixture.name} should have output.*, error.txt or warnings.txt`, () => {
      assert.unreachable(`${fixture.dir} has none of output.*, error.txt and warnings.txt`)
    })
  }
}

for (const fixture of cases.filter((c) => c.edit)) {
  edits(`should keep or change the versions of ${fixture.name} after its edit, as versions.json says`, () => {
    const { before, after } = runEdit(fixture)
    const expected = Object.entries(fixture.edit!.versions)
    assert.ok(expected.length > 0, 'versions.json lists no site')
    for (const [id, change] of expected) {
      assert.type(before.get(id), 'string', `no version for ${id} before the edit`)
      assert.type(after.get(id), 'string', `no version for ${id} after the edit`)
      if (change === 'same') assert.is(after.get(id), before.get(id), `${id} should keep its version`)
      else assert.is.not(after.get(id), before.get(id), `${id} should get a new version`)
    }
  })
}

outputs.run()
errors.run()
warnings.run()
edits.run()

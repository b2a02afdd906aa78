/**
 * Every case under fixtures/transform: the transformed code must equal output.<ext>, or the build error must equal
 * error.txt (message, location and code frame). assert.fixture prints a line-numbered diff on a mismatch.
 */
import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { TransformError } from '../src/transform/index.js'
import { listCases, runCase } from './support/transform-fixtures.js'

const cases = listCases()
const outputs = suite('transform fixtures: output')
const errors = suite('transform fixtures: errors')

outputs('should have cases for both outputs and errors', () => {
  assert.ok(cases.filter((c) => c.expected !== undefined).length >= 20)
  assert.ok(cases.filter((c) => c.expectedError !== undefined).length >= 15)
})

for (const fixture of cases) {
  if (fixture.expected !== undefined) {
    outputs(`should rewrite ${fixture.name} as in its output file`, () => {
      const actual = runCase(fixture)
      assert.type(actual, 'string', 'the transform returned null')
      assert.fixture(actual!, fixture.expected!)
    })
  } else if (fixture.expectedError !== undefined) {
    errors(`should reject ${fixture.name} with the error in error.txt`, () => {
      let caught: unknown
      try {
        runCase(fixture)
      } catch (error) {
        caught = error
      }
      assert.instance(caught, TransformError, 'no TransformError was thrown')
      assert.fixture((caught as TransformError).message + '\n', fixture.expectedError!)
    })
  } else {
    outputs(`fixture ${fixture.name} should have output.* or error.txt`, () => {
      assert.unreachable(`${fixture.dir} has neither an output file nor error.txt`)
    })
  }
}

outputs.run()
errors.run()

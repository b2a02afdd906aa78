/**
 * The checks of `scan` that need the project's type checker: whether a function returns a promise (when its syntax
 * does not say), and the parameter and result types of a persistent site (storable-types.ts), as warnings at the
 * parameter or the return type.
 */
import type TS from 'typescript'
import type { SiteInfo } from '../../transform/site-report.js'
import { findCachedFunction } from './cached-function.js'
import type { Project } from './project.js'
import { TypeInspector } from './storable-types.js'

export interface TypeProblem {
  readonly code: 'unstorable-result' | 'unkeyable-parameter'
  readonly text: string
  readonly offset: number
  readonly length: number
}

/** The checks that need the program: async-ness from the return type, and storable parameter and result types. */
export class TypeChecks {
  private readonly inspector: TypeInspector
  constructor(
    private readonly ts: typeof TS,
    private readonly project: Extract<Project, { kind: 'program' }>,
  ) {
    this.inspector = new TypeInspector(ts, project.program, project.checker)
  }

  /** The site's function in the program, or undefined when its file is not part of it. */
  locate(info: SiteInfo): { returnsPromise: boolean; typeProblems(rules: 'disk' | 'json', info: SiteInfo): TypeProblem[] } | undefined {
    const { ts } = this
    const { program, checker } = this.project
    const sourceFile = program.getSourceFile(info.file)
    if (!sourceFile) return undefined
    const fn = findCachedFunction(ts, sourceFile, info)
    if (!fn) return undefined
    const signature = fn.declaration
      ? checker.getSignatureFromDeclaration(fn.declaration)
      : checker.getSignaturesOfType(checker.getTypeAtLocation(fn.node), ts.SignatureKind.Call)[0]
    if (!signature) return undefined
    const returned = checker.getReturnTypeOfSignature(signature)
    const returnsPromise = checker.getAwaitedType(returned) !== returned && checker.getPropertyOfType(returned, 'then') !== undefined
    const inspector = this.inspector
    const name = info.name?.replace(/^.*#/, '') ?? 'this function'
    return {
      returnsPromise,
      typeProblems(rules, site) {
        const problems: TypeProblem[] = []
        const place = (node: TS.Node | undefined) => {
          const target = node ?? fn.node
          const firstLine = target.getText(sourceFile).split('\n')[0]!
          return { offset: target.getStart(sourceFile), length: Math.max(1, firstLine.length) }
        }
        const result = inspector.unstorableResult(checker.getAwaitedType(returned) ?? returned, rules)
        if (result) {
          const store = rules === 'disk' ? 'on disk' : 'in a shared store (JSON)'
          problems.push({
            code: 'unstorable-result',
            text:
              `the result of ${name} cannot be stored ${store}: it ${result.path ? `holds ${result.what} at result${result.path}` : `is ${result.what}`}; ` +
              'it would be returned but never cached. Return plain data (objects, arrays, Map, Set, Date, typed arrays…), or use mcache for this function',
            ...place(fn.declaration?.type ?? fn.declaration?.name),
          })
        }
        if (site.code.key === undefined) {
          signature.getParameters().forEach((parameter, i) => {
            const declaration = parameter.valueDeclaration
            const type = checker.getTypeOfSymbolAtLocation(parameter, declaration ?? fn.node)
            const reason = inspector.unkeyableParameter(type)
            if (!reason) return
            problems.push({
              code: 'unkeyable-parameter',
              text:
                `parameter ${parameter.getName()} of ${name} cannot be part of a cache key: it ${reason.path ? `holds ${reason.what} at ${parameter.getName()}${reason.path}` : `is ${reason.what}`}. ` +
                'Give the cache a key option that returns what the result depends on, e.g. key=keyOf',
              ...place(fn.declaration?.parameters[i]),
            })
          })
        }
        return problems
      },
    }
  }
}

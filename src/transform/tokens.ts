/**
 * Normalised token streams, which versions are hashed from: TypeScript's scanner reads the code and skips trivia
 * (whitespace and comments), so reformatting a function or editing a comment keeps its version, and any change of
 * code changes it.
 *
 * The scanner runs without the parser (imported modules are scanned, not parsed, to keep the build fast), so two
 * things a parser would decide are decided here from the previous token, as syntax highlighters do: whether `/`
 * starts a regular expression, and whether `}` resumes a template literal.
 *
 * What formatters change and the code does not mean is dropped: quote style (strings count by value), a line break
 * except where it ends a statement that would otherwise go on (after `return`, `break`, `continue`, `throw`, `yield`,
 * `async` and other restricted productions, and before `++`/`--`), a `;` at the end of a line or block (kept when the
 * next line starts with `(`, `[`, a template, `+`, `-`, `/` or `<`, where it separates two statements), a trailing
 * comma before `)`, `]`, `}` or `>` (kept after an elision, `[a,,]`), and the parentheses of a lone arrow parameter
 * (`(x) => …` is `x => …`). Anything else counts, parentheses included.
 */
import { createHash, hash } from 'node:crypto'
import type TS from 'typescript'
import { ts } from './typescript.js'

let scanner: TS.Scanner | undefined
let scannerOf: typeof TS | undefined

/** One scanner per TypeScript module, reused for every file (creating one allocates its tables). */
function sharedScanner(): TS.Scanner {
  if (!scanner || scannerOf !== ts) {
    scanner = ts.createScanner(ts.ScriptTarget.Latest, /* skipTrivia */ true, ts.LanguageVariant.Standard)
    scannerOf = ts
  }
  return scanner
}

interface TokenKinds {
  readonly endsExpression: ReadonlySet<TS.SyntaxKind>
  readonly restricted: ReadonlySet<TS.SyntaxKind>
  readonly breakBefore: ReadonlySet<TS.SyntaxKind>
  readonly continuesLine: ReadonlySet<TS.SyntaxKind>
  readonly closers: ReadonlySet<TS.SyntaxKind>
}

let kinds: TokenKinds | undefined

/** The token kinds the heuristics look at, built once (the SyntaxKind numbers belong to the loaded TypeScript). */
function tokenKinds(): TokenKinds {
  if (kinds && scannerOf === ts) return kinds
  const k = ts.SyntaxKind
  kinds = {
    // After these, `/` divides; after anything else (an operator, `(`, `,`, `return`, `typeof`…) it starts a regex.
    endsExpression: new Set([
      k.Identifier,
      k.PrivateIdentifier,
      k.NumericLiteral,
      k.BigIntLiteral,
      k.StringLiteral,
      k.RegularExpressionLiteral,
      k.NoSubstitutionTemplateLiteral,
      k.TemplateTail,
      k.CloseParenToken,
      k.CloseBracketToken,
      k.CloseBraceToken,
      k.PlusPlusToken,
      k.MinusMinusToken,
      k.ThisKeyword,
      k.SuperKeyword,
      k.TrueKeyword,
      k.FalseKeyword,
      k.NullKeyword,
    ]),
    // A line break after these ends the statement (or changes what the word is), so it is part of the code.
    restricted: new Set([
      k.ReturnKeyword,
      k.BreakKeyword,
      k.ContinueKeyword,
      k.ThrowKeyword,
      k.YieldKeyword,
      k.AsyncKeyword,
      k.LetKeyword,
      k.DeclareKeyword,
      k.AbstractKeyword,
      k.TypeKeyword,
      k.NamespaceKeyword,
      k.ModuleKeyword,
      k.GetKeyword,
      k.SetKeyword,
      k.StaticKeyword,
      k.AccessorKeyword,
      k.AwaitKeyword,
    ]),
    // `a\n++b` is `a; ++b`, not `a++; b`.
    breakBefore: new Set([k.PlusPlusToken, k.MinusMinusToken, k.EqualsGreaterThanToken]),
    // A line starting with one of these continues the previous one (`a\n(b)` calls a): a `;` before it is code.
    continuesLine: new Set([
      k.OpenParenToken,
      k.OpenBracketToken,
      k.NoSubstitutionTemplateLiteral,
      k.TemplateHead,
      k.PlusToken,
      k.MinusToken,
      k.SlashToken,
      k.SlashEqualsToken,
      k.RegularExpressionLiteral,
      k.LessThanToken,
    ]),
    closers: new Set([k.CloseParenToken, k.CloseBracketToken, k.CloseBraceToken, k.GreaterThanToken]),
  }
  return kinds
}

/**
 * The tokens of `text[start, end)`, without trivia, joined with NUL (so `++` and `+ +` stay apart). String literals
 * count by their value (`'a'` and `"a"` are the same code), numbers by their value (`1_000` and `1000`).
 */
export function normalisedTokens(text: string, start = 0, end = text.length): string {
  const s = sharedScanner()
  const { endsExpression, restricted, breakBefore, continuesLine, closers } = tokenKinds()
  const k = ts.SyntaxKind
  s.setText(text, start, end - start)
  const pieces: string[] = []
  // Brace depths at which a template literal's `${` was opened: the `}` at that depth resumes the template.
  const templates: number[] = []
  let depth = 0
  // The open brackets, innermost last: a `;` directly inside parentheses (a `for` header) is always code
  // (`for (a;; b)` is not `for (a; b;)`); inside a block, even one within parentheses, it ends a statement.
  const open: TS.SyntaxKind[] = []
  let previous: TS.SyntaxKind = k.Unknown
  // The last token kept (a dropped `;` leaves `return` the token before a line break).
  let kept: TS.SyntaxKind = k.Unknown
  // A `;` or `,` waits for the next token, which decides whether it is kept.
  let pending: TS.SyntaxKind | undefined
  for (let kind = s.scan(); ; kind = s.scan()) {
    const lineBreak = s.hasPrecedingLineBreak()
    if (kind !== k.EndOfFileToken) kind = rescan(kind)
    if (pending === k.SemicolonToken) {
      // A `;` that only ends a statement is what a line break there would be: `a; b` and `a⏎b` are one code, so a
      // formatter that moves statements onto lines of their own (or back) keeps versions. Before a token that would
      // continue the line (`a;⏎(b)` is not `a⏎(b)`, a call), or inside parentheses, it is code.
      const endsStatement =
        kind === k.EndOfFileToken || kind === k.CloseBraceToken || (open[open.length - 1] !== k.OpenParenToken && !continuesLine.has(kind))
      if (!endsStatement) emit(';', pending)
      // Dropped, it reads as the line break it stands for (`return; x` is `return⏎x`, not `return x`).
      else if (!lineBreak && kind !== k.EndOfFileToken && kind !== k.CloseBraceToken && (restricted.has(kept) || breakBefore.has(kind)))
        pieces.push('\n')
    } else if (pending === k.CommaToken) {
      const last = pieces[pieces.length - 1]
      const trailing = kind === k.EndOfFileToken || (closers.has(kind) && last !== ',' && last !== '[')
      if (!trailing) emit(',', pending)
    }
    pending = undefined
    if (kind === k.EndOfFileToken) break
    if (kind === k.TemplateHead) templates.push(depth)
    previous = kind
    if (kind === k.SemicolonToken || kind === k.CommaToken) {
      pending = kind
      continue
    }
    if (lineBreak && (restricted.has(kept) || breakBefore.has(kind))) pieces.push('\n')
    if (kind === k.EqualsGreaterThanToken) dropLoneParameterParentheses(pieces)
    if (kind === k.StringLiteral) emit(`"${s.getTokenValue()}`, kind)
    else if (kind === k.NumericLiteral || kind === k.BigIntLiteral) emit(s.getTokenValue(), kind)
    else emit(s.getTokenText(), kind)
  }
  s.setText(undefined)
  return pieces.join('\0')

  function emit(piece: string, kind: TS.SyntaxKind): void {
    pieces.push(piece)
    kept = kind
  }

  /** The token as the parser would read it: a regex or a division, a template continuing or a block ending. */
  function rescan(kind: TS.SyntaxKind): TS.SyntaxKind {
    if ((kind === k.SlashToken || kind === k.SlashEqualsToken) && !endsExpression.has(previous)) return s.reScanSlashToken()
    if (kind === k.CloseBraceToken && templates.length && templates[templates.length - 1] === depth) {
      const resumed = s.reScanTemplateToken(false)
      if (resumed === k.TemplateTail) templates.pop()
      return resumed
    }
    if (kind === k.OpenBraceToken || kind === k.OpenParenToken) open.push(kind)
    else if (kind === k.CloseBraceToken || kind === k.CloseParenToken) open.pop()
    if (kind === k.OpenBraceToken) depth++
    else if (kind === k.CloseBraceToken) depth--
    return kind
  }
}

const IDENTIFIER_PIECE = /^[\p{L}_$][\p{L}\p{N}_$]*$/u

/** `( x ) =>` → `x =>`: the parentheses of a single untyped arrow parameter are a matter of style. */
function dropLoneParameterParentheses(pieces: string[]): void {
  const n = pieces.length
  if (n >= 3 && pieces[n - 1] === ')' && pieces[n - 3] === '(' && IDENTIFIER_PIECE.test(pieces[n - 2]!)) {
    pieces.splice(n - 3, 3, pieces[n - 2]!)
  }
}

/** The SHA-256 (hex) of `parts`, each ended by NUL. */
export function digestOf(...parts: readonly string[]): string {
  const text = `${parts.join('\0')}\0`
  // crypto.hash (Node ≥ 20.12) hashes a string in one call, without a Hash object.
  return typeof hash === 'function' ? hash('sha256', text, 'hex') : createHash('sha256').update(text).digest('hex')
}

/** The digest of the normalised tokens of `text[start, end)`. */
export function tokenDigest(text: string, start = 0, end = text.length): string {
  return digestOf(normalisedTokens(text, start, end))
}

/** Asking before something that cannot be undone: a yes/no question on the terminal; "no" unless the answer is y/yes. */
import readline from 'node:readline/promises'

export async function confirm(
  question: string,
  input: NodeJS.ReadStream = process.stdin,
  output: NodeJS.WriteStream = process.stderr,
): Promise<boolean> {
  const rl = readline.createInterface({ input, output })
  try {
    const answer = await rl.question(`${question} [y/N] `)
    return /^y(es)?$/i.test(answer.trim())
  } finally {
    rl.close()
  }
}

/** The shape every CLI command has, and the I/O it is given (injected, so commands are tested in-process). */

export interface CliIo {
  readonly stdout: (text: string) => void
  readonly stderr: (text: string) => void
  readonly env: Readonly<Record<string, string | undefined>>
  /** Reads standard input whole (for `--token -`). */
  readonly readStdin: () => Promise<string>
}

/** A command's words and summary live in run-cli.ts's table, so that listing them loads no command. */
export interface Command {
  /** The full `--help` text. */
  readonly usage: string
  /** Runs with the arguments after the command's words; resolves to the exit code. */
  readonly run: (args: readonly string[], io: CliIo) => Promise<number>
}

/** A mistake in how the command was called: exit 2 with the message and a pointer to `--help`. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

export const EXIT_OK = 0
export const EXIT_REFUSED = 1
export const EXIT_USAGE = 2

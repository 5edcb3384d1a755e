/** `packyard serve [--config FILE]` with every configuration key as a flag (DESIGN.md 1.2). */
import { EXIT_OK, type Command } from '../command.js'
import { parseOptions } from '../parse-options.js'
import { loadConfigFromOptions, SERVER_CONFIG_OPTIONS } from '../server-config-options.js'

const USAGE = `Usage: packyard serve [--config FILE] [options]

Starts the registry. Every setting comes from a flag, an environment variable (PACKYARD_<KEY>) or the
configuration file, in that order of precedence.

Options:
  --config FILE                   YAML or JSON configuration file
  --listen HOST:PORT              default 127.0.0.1:8080
  --public-url URL                default http://127.0.0.1:8080; audiences are {public_url}/{org}/{registry}
  --data-dir DIR                  default ./data
  --database sqlite|sqlite:PATH   default sqlite ({data_dir}/packyard.db)
  --blobs file|file:PATH|s3://B  default file ({data_dir}/blobs); or
                                  s3://BUCKET[/PREFIX]?endpoint=URL&region=R&force_path_style=true
                                  (credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ...)
  --max-upload-bytes N            default 2147483648
  --embedded-issuer BOOL          default true: the OIDC issuer {public_url}/issuer (docs/issuer.md)
  --embedded-issuer-algorithm A   RS256 (default) or ES256: the algorithm of its first signing key
  --bootstrap-organization SLUG   default default
  -h, --help                      show this help

PACKYARD_ADMIN_TOKEN, when set, is accepted as the server admin token.
`

export const serveCommand: Command = {
  usage: USAGE,
  run: async (args, io) => {
    const parsed = parseOptions(args, SERVER_CONFIG_OPTIONS, 0)
    if (parsed.help) {
      io.stdout(USAGE)
      return EXIT_OK
    }
    const config = await loadConfigFromOptions(parsed, io.env)
    // Loaded only now, so that `--help` and the CI-side commands never load the server's dependencies.
    const { runServer } = await import('../run-server.js')
    return runServer(config, io)
  },
}

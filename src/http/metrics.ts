/**
 * Counters in the Prometheus text format (version 0.0.4), kept in memory per process. A handful of counters
 * does not need a metrics library; labels are escaped per the format's rules.
 */

type Labels = Readonly<Record<string, string>>

export interface Counter {
  inc(labels?: Labels, by?: number): void
}

export interface Metrics {
  readonly httpRequests: Counter
  readonly authDecisions: Counter
  readonly packagesPublished: Counter
  readonly bytesUploaded: Counter
  readonly bytesDownloaded: Counter
  /** The exposition text for `GET /metrics`. */
  render(): string
}

/** One label set's count, with its labels already in exposition form. */
interface Sample {
  readonly labels: string
  value: number
}

interface CounterState {
  readonly name: string
  readonly help: string
  /** By label-set id: bumped on every request, with a handful of distinct label sets, each formatted once. */
  readonly samples: Map<string, Sample>
}

export function createMetrics(): Metrics {
  const counters: CounterState[] = []
  const counter = (name: string, help: string): Counter => {
    const state: CounterState = { name, help, samples: new Map() }
    counters.push(state)
    return {
      inc(labels = {}, by = 1) {
        const id = labelSetId(labels)
        const sample = state.samples.get(id)
        if (sample === undefined) state.samples.set(id, { labels: formatLabels(labels), value: by })
        else sample.value += by
      },
    }
  }
  return {
    httpRequests: counter('packyard_http_requests_total', 'HTTP requests answered, by method, route and status.'),
    authDecisions: counter('packyard_auth_decisions_total', 'Authentication and authorization decisions, by outcome and code.'),
    packagesPublished: counter('packyard_packages_published_total', 'Package versions published, by ecosystem.'),
    bytesUploaded: counter('packyard_bytes_uploaded_total', 'Bytes of package files stored.'),
    bytesDownloaded: counter('packyard_bytes_downloaded_total', 'Bytes of package files served.'),
    render: () =>
      counters
        .map((c) => {
          const lines = [`# HELP ${c.name} ${c.help}`, `# TYPE ${c.name} counter`]
          if (c.samples.size === 0) lines.push(`${c.name} 0`)
          for (const { labels, value } of c.samples.values()) lines.push(`${c.name}${labels} ${String(value)}`)
          return lines.join('\n')
        })
        .join('\n')
        .concat('\n'),
  }
}

/** An unambiguous key for a label set: names and values cannot contain NUL. */
function labelSetId(labels: Labels): string {
  let id = ''
  for (const name in labels) id += `${name}\u0000${labels[name] ?? ''}\u0000`
  return id
}

function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels)
  if (entries.length === 0) return ''
  return `{${entries.map(([key, value]) => `${key}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`
}

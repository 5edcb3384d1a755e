/** The small HTTP client the test servers hand out: JSON or a body, as a token's holder (null: anonymous). */

export interface RequestOptions {
  /** Default: the server admin token the helper was made with; null sends no credential. */
  readonly token?: string | null
  readonly json?: unknown
  readonly body?: FormData | string | Uint8Array
  readonly headers?: Record<string, string>
}

export type RequestFunction = (method: string, path: string, options?: RequestOptions) => Promise<Response>

export function requestAs(baseUrl: string, defaultToken: string): RequestFunction {
  return (method, path, options = {}) => {
    const token = options.token === undefined ? defaultToken : options.token
    const headers: Record<string, string> = { ...(options.headers ?? {}) }
    if (token !== null) headers.authorization = `Bearer ${token}`
    let body = options.body
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json'
      body = JSON.stringify(options.json)
    }
    return fetch(`${baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) })
  }
}

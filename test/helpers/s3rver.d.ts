/** The part of @20minutes/s3rver 4 (plain JavaScript, no types of its own) that the S3 test helper uses. */
declare module '@20minutes/s3rver' {
  /** The Koa context of a request, as far as the helper's middleware reads and writes it. */
  export interface S3rverContext {
    readonly method: string
    readonly path: string
    readonly query: Readonly<Record<string, string | readonly string[] | undefined>>
    status: number
    body: unknown
  }

  export type S3rverMiddleware = (context: S3rverContext, next: () => Promise<void>) => Promise<void>

  export interface S3rverOptions {
    readonly address?: string
    readonly port?: number
    readonly silent?: boolean
    readonly directory?: string
    readonly allowMismatchedSignatures?: boolean
    readonly configureBuckets?: readonly { readonly name: string }[]
  }

  class S3rver {
    constructor(options: S3rverOptions)
    /** Koa's middleware list; composed when the server starts listening. */
    readonly middleware: S3rverMiddleware[]
    run(): Promise<{ address: string; port: number }>
    close(): Promise<void>
  }

  export default S3rver
}

/**
 * How many bytes each stage of an upload (the multipart part, the digesting meter, the file being written)
 * buffers before it holds back the stage before it. With Node's 16 KiB default, receiving waited on every
 * write to disk in turn: a 1 MiB upload took 17 round trips to the thread pool while its socket stood still.
 * A few of these per upload in flight is a few MiB, whatever the upload's size.
 */
export const UPLOAD_BUFFER_BYTES = 1024 * 1024

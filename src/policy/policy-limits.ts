/**
 * Size limits of a policy (DESIGN.md 1.3). They keep checking and evaluation cheap and bound what one
 * registry setting can cost the server.
 */

/** Largest policy text, in UTF-8 bytes (64 KiB): far beyond any real policy, small enough to parse at once. */
export const MAX_POLICY_BYTES = 64 * 1024

/** Most statements in one policy; evaluation is linear in this. */
export const MAX_STATEMENTS = 256

/** Deepest nesting of an already-parsed JSON policy; a valid one is at most 5 levels deep. */
export const MAX_JSON_DEPTH = 32

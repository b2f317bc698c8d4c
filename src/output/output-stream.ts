/**
 * One of the server's output streams, as podvisor reads and labels them: `combined` is stdout and stderr in one
 * pipe, when podvisor's own stdout and stderr are the same file or terminal (docs/output.md).
 */
export type OutputStream = 'stdout' | 'stderr' | 'combined';

/** One of the server's two output streams, as podvisor reads and labels them. */
export type OutputStream = 'stdout' | 'stderr';

// prom-client's default metrics one by one (lib/metrics/*.js, CommonJS, no types of their own): each registers its
// metrics in `registry` with the same config collectDefaultMetrics takes.
declare module 'prom-client/lib/metrics/*.js' {
  import type { Registry } from 'prom-client';
  const register: (registry: Registry, config: { readonly prefix?: string }) => void;
  export default register;
}

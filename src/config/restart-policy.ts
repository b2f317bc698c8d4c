/** PODVISOR_RESTART_POLICY: `dss` (the exit-code protocol of docs/supervision.md) or one of the usual three. */
export const RESTART_POLICIES = ['dss', 'always', 'on-failure', 'never'] as const;
export type RestartPolicy = (typeof RESTART_POLICIES)[number];

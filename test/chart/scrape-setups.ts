// The labels a podvisor pod's series carry under each scrape setup docs/monitoring.md offers (besides each metric's
// own labels). prometheus-rules.test.ts feeds them to promtool's unit tests; test/kubernetes/scrape-configs.test.ts
// checks the two setups defined by a scrape config of ours (monitoring/scrape-configs/) against a real Prometheus.
// The Operator's two are as its generated scrape configs attach them (prometheus-operator's promcfg: PodMonitor
// job "<namespace>/<name>", ServiceMonitor job "<service>", both with namespace, pod, container and endpoint) and
// are not run here: no Operator runs on this machine.

export type Labels = Readonly<Record<string, string>>;

/** One scraped podvisor pod of a release. */
export interface ScrapedPod {
  readonly namespace: string;
  readonly pod: string;
  /** The release's full name: the Service, PodMonitor and ServiceMonitor are named after it. */
  readonly fullname: string;
  /** host:port Prometheus scrapes. */
  readonly address: string;
  /** The pod's Kubernetes labels. */
  readonly podLabels: Labels;
}

export interface ScrapeSetup {
  readonly name: string;
  /** The scrape config of ours that sets it up (monitoring/scrape-configs/), if any. */
  readonly config?: string;
  readonly labels: Labels;
}

/** Prometheus' labelmap of __meta_kubernetes_pod_label_<name>: every character not allowed in a label name becomes _. */
const asLabelName = (name: string): string => name.replace(/[^a-zA-Z0-9_]/g, '_');

export function scrapeSetups(target: ScrapedPod): readonly ScrapeSetup[] {
  const { namespace, pod, fullname, address, podLabels } = target;
  return [
    {
      name: "the chart's prometheus.io annotations, kubernetes_sd_configs role pod",
      config: 'kubernetes-pods.yaml',
      labels: {
        ...Object.fromEntries(Object.entries(podLabels).map(([name, value]) => [asLabelName(name), value])),
        job: 'kubernetes-pods', instance: address, namespace, pod,
      },
    },
    {
      name: 'the PodMonitor (Prometheus Operator)',
      labels: { job: `${namespace}/${fullname}`, instance: address, namespace, pod, container: 'podvisor', endpoint: 'metrics' },
    },
    {
      name: 'the ServiceMonitor (Prometheus Operator)',
      labels: { job: fullname, instance: address, namespace, pod, container: 'podvisor', endpoint: 'metrics', service: fullname },
    },
    {
      name: 'a static scrape config',
      config: 'static.yaml',
      labels: { job: 'podvisor', instance: address },
    },
  ];
}

// The reservation tokens the Pods of one namespace carry, read from the API server rather than a cache: the
// releaser asks before it lets a reservation expire, so a lagging cache cannot free the address of a live Pod.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { type PodObject, podView } from '../ipam/release/index.js';

export async function liveReservationTokens(kc: KubeConfig, namespace: string): Promise<Set<string>> {
  const core = kc.makeApiClient(CoreV1Api);
  const tokens = new Set<string>();
  let _continue: string | undefined;
  do {
    const page = await core.listNamespacedPod({ namespace, limit: 500, ...(_continue ? { _continue } : {}) });
    for (const pod of page.items) {
      const { name, namespace: ns, annotations } = pod.metadata ?? {};
      if (!name || !ns || !annotations) continue;
      const view: PodObject = { metadata: { name, namespace: ns, annotations } };
      for (const claim of podView(view).claims) if (claim.token !== '') tokens.add(claim.token);
    }
    _continue = page.metadata?._continue;
  } while (_continue);
  return tokens;
}

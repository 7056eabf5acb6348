// The table of our webhooks: one row per endpoint. The server's routes and the
// Mutating/ValidatingWebhookConfigurations are both made from it, so a path, a
// rule and a handler can never disagree.
import { group, plurals, version } from '../ipam/model/index.js';
import type { RulesConfig } from '../ipam/rules/index.js';
import type { ClusterView } from './cluster-view.js';
import { mutateIPPool, mutateReservedIP, mutateSubnet } from './mutate/custom-resources.js';
import { mutatePod, type PodAdmissionDependencies } from './mutate/pod.js';
import type { AdmissionHandler, WebhookRoute } from './server.js';
import { validateIPPool, validateReservedIP, validateSubnet } from './validate/custom-resources.js';
import { protectPodResults } from './validate/pod.js';

export interface HandlerDependencies {
  view: ClusterView;
  config: RulesConfig;
  /** Users allowed to change a Pod's result annotations: the IPAM's own service account. */
  trustedUsers: string[];
  pods: PodAdmissionDependencies;
}

type Operation = 'CREATE' | 'UPDATE' | 'DELETE';

export interface WebhookEndpoint {
  /** URL path, Spiderpool's naming: /mutate-spiderpool-spidernet-io-v2beta1-spiderippool */
  path: string;
  /** Short name for logs and metrics. */
  name: string;
  type: 'mutating' | 'validating';
  rule: { apiGroups: string[]; apiVersions: string[]; resources: string[]; operations: Operation[]; scope: 'Cluster' | 'Namespaced' | '*' };
  /** Fail (the default) where correctness depends on the webhook; Ignore for courtesy checks backed elsewhere. */
  failurePolicy?: 'Fail' | 'Ignore';
  /** NoneOnDryRun for a webhook that writes (reserves addresses) except on dry runs. */
  sideEffects?: 'None' | 'NoneOnDryRun';
  timeoutSeconds?: number;
  /** CEL conditions the API server checks before calling (cheaper than a call that allows). */
  matchConditions?: Array<{ name: string; expression: string }>;
  make(deps: HandlerDependencies): AdmissionHandler;
}

function customResource(
  type: 'mutating' | 'validating',
  plural: string,
  operations: Operation[],
  make: (deps: HandlerDependencies) => AdmissionHandler,
): WebhookEndpoint {
  const singular = plural.replace(/s$/, '');
  const verb = type === 'mutating' ? 'mutate' : 'validate';
  return {
    path: `/${verb}-${group.replaceAll('.', '-')}-${version}-${singular}`,
    name: `${verb}-${singular}`,
    type,
    rule: { apiGroups: [group], apiVersions: [version], resources: [plural], operations, scope: 'Cluster' },
    make,
  };
}

export const webhookEndpoints: readonly WebhookEndpoint[] = [
  customResource('mutating', plurals.ipPool, ['CREATE', 'UPDATE'], (d) => mutateIPPool(d.view, d.config)),
  customResource('mutating', plurals.subnet, ['CREATE', 'UPDATE'], () => mutateSubnet()),
  customResource('mutating', plurals.reservedIP, ['CREATE', 'UPDATE'], () => mutateReservedIP()),
  customResource('validating', plurals.ipPool, ['CREATE', 'UPDATE', 'DELETE'], (d) => validateIPPool(d.view, d.config)),
  customResource('validating', plurals.subnet, ['CREATE', 'UPDATE', 'DELETE'], (d) => validateSubnet(d.view, d.config)),
  customResource('validating', plurals.reservedIP, ['CREATE', 'UPDATE'], (d) => validateReservedIP(d.config)),
  {
    path: '/mutate-pod',
    name: 'mutate-pod',
    type: 'mutating',
    rule: { apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], operations: ['CREATE'], scope: 'Namespaced' },
    // A Pod without its addresses is worse than a refused Pod: Fail, and reserve nothing on dry runs.
    failurePolicy: 'Fail',
    sideEffects: 'NoneOnDryRun',
    timeoutSeconds: 10,
    matchConditions: [{ name: 'not-host-network', expression: '!has(object.spec.hostNetwork) || !object.spec.hostNetwork' }],
    make: (d) => mutatePod(d.pods),
  },
  {
    path: '/validate-pod',
    name: 'validate-pod',
    type: 'validating',
    rule: { apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], operations: ['UPDATE'], scope: 'Namespaced' },
    // The CNI plugin checks every address against the pool records, so an outage here must not block Pod updates.
    failurePolicy: 'Ignore',
    make: (d) => protectPodResults(d.trustedUsers),
  },
];

export function webhookRoutes(
  deps: HandlerDependencies,
  endpoints: readonly WebhookEndpoint[] = webhookEndpoints,
): Record<string, WebhookRoute> {
  return Object.fromEntries(endpoints.map((e) => [e.path, { name: e.name, handler: e.make(deps) }]));
}

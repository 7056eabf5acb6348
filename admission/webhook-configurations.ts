// The Mutating/ValidatingWebhookConfiguration objects for the endpoint table. In a
// cluster the API server calls a Service; on the local control plane, which has no
// Service network, it calls a URL on 127.0.0.1 (docs/adr/0001).
import type {
  AdmissionregistrationV1WebhookClientConfig,
  V1MutatingWebhookConfiguration,
  V1ValidatingWebhookConfiguration,
} from '@kubernetes/client-node';
import { optOutLabel } from '../ipam/model/index.js';
import { type WebhookEndpoint, webhookEndpoints } from './webhooks.js';

export const webhookConfigurationName = 'admission-ipam';

// A Pod or a Namespace labelled optOutLabel (value "true") is left alone by our Pod webhooks.
export { optOutLabel };

export type ClientConfigTarget = { service: { namespace: string; name: string; port: number } } | { url: string };

export interface WebhookConfigurationOptions {
  target: ClientConfigTarget;
  /** PEM of the CA that signed the serving certificate; injected later when not known yet. */
  caBundlePem?: string;
  timeoutSeconds?: number;
  /** Namespaces whose Pods our Pod webhooks never see: our own, and the control plane's. */
  excludedNamespaces?: string[];
}

function clientConfig(endpoint: WebhookEndpoint, options: WebhookConfigurationOptions): AdmissionregistrationV1WebhookClientConfig {
  const caBundle = options.caBundlePem ? Buffer.from(options.caBundlePem).toString('base64') : undefined;
  const base =
    'url' in options.target
      ? { url: `${options.target.url.replace(/\/$/, '')}${endpoint.path}` }
      : { service: { ...options.target.service, path: endpoint.path } };
  return caBundle ? { ...base, caBundle } : base;
}

function webhook(endpoint: WebhookEndpoint, options: WebhookConfigurationOptions) {
  return {
    // A webhook name must be a qualified name of three or more segments, unique within its configuration.
    name: `${endpoint.name}.admission-ipam.spidernet.io`,
    admissionReviewVersions: ['v1'],
    clientConfig: clientConfig(endpoint, options),
    rules: [{ ...endpoint.rule }],
    failurePolicy: endpoint.failurePolicy ?? 'Fail',
    ...(endpoint.rule.scope === 'Namespaced'
      ? {
          namespaceSelector: {
            matchExpressions: [
              { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: options.excludedNamespaces ?? ['kube-system'] },
              { key: optOutLabel, operator: 'NotIn', values: ['true'] },
            ],
          },
          objectSelector: { matchExpressions: [{ key: optOutLabel, operator: 'NotIn', values: ['true'] }] },
        }
      : {}),
    ...(endpoint.matchConditions ? { matchConditions: endpoint.matchConditions } : {}),
    matchPolicy: 'Equivalent',
    sideEffects: endpoint.sideEffects ?? 'None',
    timeoutSeconds: endpoint.timeoutSeconds ?? options.timeoutSeconds ?? 5,
  };
}

export function webhookConfigurations(
  options: WebhookConfigurationOptions,
  endpoints: readonly WebhookEndpoint[] = webhookEndpoints,
): { mutating: V1MutatingWebhookConfiguration; validating: V1ValidatingWebhookConfiguration } {
  const metadata = { name: webhookConfigurationName, labels: { 'app.kubernetes.io/name': 'admission-ipam' } };
  return {
    mutating: {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata,
      webhooks: endpoints.filter((e) => e.type === 'mutating').map((e) => ({ ...webhook(e, options), reinvocationPolicy: 'IfNeeded' })),
    },
    validating: {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata,
      webhooks: endpoints.filter((e) => e.type === 'validating').map((e) => webhook(e, options)),
    },
  };
}

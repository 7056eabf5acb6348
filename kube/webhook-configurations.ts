// Installing our webhook configurations and keeping their caBundle in step with
// the CA that signs the serving certificate.
import {
  AdmissionregistrationV1Api,
  type KubeConfig,
  type V1MutatingWebhookConfiguration,
  type V1ValidatingWebhookConfiguration,
} from '@kubernetes/client-node';
import { isConflict, isNotFound } from './api-errors.js';

type Configuration = V1MutatingWebhookConfiguration | V1ValidatingWebhookConfiguration;

interface Access<T extends Configuration> {
  read(name: string): Promise<T>;
  create(body: T): Promise<unknown>;
  replace(name: string, body: T): Promise<unknown>;
  remove(name: string): Promise<unknown>;
}

function access(kc: KubeConfig) {
  const api = kc.makeApiClient(AdmissionregistrationV1Api);
  const mutating: Access<V1MutatingWebhookConfiguration> = {
    read: (name) => api.readMutatingWebhookConfiguration({ name }),
    create: (body) => api.createMutatingWebhookConfiguration({ body }),
    replace: (name, body) => api.replaceMutatingWebhookConfiguration({ name, body }),
    remove: (name) => api.deleteMutatingWebhookConfiguration({ name }),
  };
  const validating: Access<V1ValidatingWebhookConfiguration> = {
    read: (name) => api.readValidatingWebhookConfiguration({ name }),
    create: (body) => api.createValidatingWebhookConfiguration({ body }),
    replace: (name, body) => api.replaceValidatingWebhookConfiguration({ name, body }),
    remove: (name) => api.deleteValidatingWebhookConfiguration({ name }),
  };
  return { mutating, validating };
}

async function upsert<T extends Configuration>(a: Access<T>, body: T): Promise<void> {
  const name = body.metadata?.name ?? '';
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const existing = await a.read(name);
      await a.replace(name, { ...body, metadata: { ...body.metadata, resourceVersion: existing.metadata?.resourceVersion } });
      return;
    } catch (err) {
      if (isNotFound(err)) {
        try {
          await a.create(body);
          return;
        } catch (createErr) {
          if (!isConflict(createErr)) throw createErr;
        }
      } else if (!isConflict(err)) {
        throw err;
      }
    }
  }
  throw new Error(`could not write webhook configuration ${name}: conflicting writers`);
}

export async function applyWebhookConfigurations(
  kc: KubeConfig,
  configs: { mutating: V1MutatingWebhookConfiguration; validating: V1ValidatingWebhookConfiguration },
): Promise<void> {
  const a = access(kc);
  await upsert(a.mutating, configs.mutating);
  await upsert(a.validating, configs.validating);
}

export async function deleteWebhookConfigurations(kc: KubeConfig, name: string): Promise<void> {
  const a = access(kc);
  for (const kind of [a.mutating, a.validating] as Access<Configuration>[]) {
    await kind.remove(name).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  }
}

async function injectInto<T extends Configuration>(
  a: Access<T>,
  name: string,
  caBundle: string,
): Promise<'updated' | 'unchanged' | 'absent'> {
  for (let attempt = 0; attempt < 5; attempt++) {
    let config: T;
    try {
      config = await a.read(name);
    } catch (err) {
      if (isNotFound(err)) return 'absent';
      throw err;
    }
    const webhooks = config.webhooks ?? [];
    if (webhooks.every((w) => w.clientConfig.caBundle === caBundle)) return 'unchanged';
    for (const w of webhooks) w.clientConfig.caBundle = caBundle;
    try {
      await a.replace(name, config);
      return 'updated';
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
  }
  throw new Error(`could not inject the caBundle into webhook configuration ${name}: conflicting writers`);
}

/** Sets the caBundle of every webhook in our two configurations; returns what happened to each. */
export async function injectCABundle(kc: KubeConfig, name: string, caPem: string): Promise<{ mutating: string; validating: string }> {
  const caBundle = Buffer.from(caPem).toString('base64');
  const a = access(kc);
  return { mutating: await injectInto(a.mutating, name, caBundle), validating: await injectInto(a.validating, name, caBundle) };
}

// The webhook configurations under deploy/ are generated from admission/webhook-configurations.ts; a committed file
// that differs from the render means someone edited one side only. Fix: `npm run deploy:render`.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseServeOptions } from '../../admission/options.js';
import { webhookEndpoints } from '../../admission/webhooks.js';
import { renderedFiles } from '../../deploy/render.js';

const root = resolve(import.meta.dirname, '..', '..');

describe('deploy/ generated files', () => {
  it.each(Object.entries(renderedFiles()))('%s equals its render (npm run deploy:render)', (path, text) => {
    expect(readFileSync(resolve(root, path), 'utf8')).toBe(text);
  });

  it('the base has one webhook per endpoint of the server, each calling the Service at its path', () => {
    const docs = parseAllDocuments(renderedFiles()['deploy/base/webhook-configurations.yaml'] ?? '').map((d) => d.toJS());
    const webhooks = docs.flatMap((d) => d.webhooks as Array<{ clientConfig: { service: { name: string; path: string } } }>);
    expect(webhooks.map((w) => w.clientConfig.service.path).sort()).toEqual(webhookEndpoints.map((e) => e.path).sort());
    expect(new Set(webhooks.map((w) => w.clientConfig.service.name))).toEqual(new Set(['admission-ipam-webhook']));
  });

  it('the Deployment passes flags the server accepts, and names the ServiceAccount the server trusts', () => {
    const docs = parseAllDocuments(readFileSync(resolve(root, 'deploy/base/server.yaml'), 'utf8')).map((d) => d.toJS());
    const deployment = docs.find((d) => d.kind === 'Deployment');
    const [command, ...args] = deployment.spec.template.spec.containers[0].args as string[];
    expect(command).toBe('serve');
    const options = parseServeOptions(args, { POD_NAMESPACE: 'admission-ipam-system' });
    expect(options.trustedUsers).toEqual([
      `system:serviceaccount:admission-ipam-system:${deployment.spec.template.spec.serviceAccountName}`,
    ]);
    expect(options.healthPort).toBe(8081);
    expect(options.webhookPort).toBe(9443);
  });
});

// The kept-alive JSON client against the real API server: many requests share a connection, and errors keep the
// status code and Status body the rest of kube/ reads (not found, conflict).
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { plurals } from '../../ipam/model/index.js';
import { apiErrorMessage, isConflict, isNotFound } from '../../kube/api-errors.js';
import { customResourceWriter } from '../../kube/custom-resources.js';
import { jsonClient } from '../../kube/json-client.js';
import { clients, kubectl } from '../support/cluster.js';

const { kc } = clients();
const name = `json-client-${randomBytes(3).toString('hex')}`;

afterAll(() => {
  kubectl(['delete', `sp/${name}`, '--ignore-not-found', '--wait=false']);
});

describe('JSON client', () => {
  it('sends many requests over few connections, and reads answers and errors as the API server sent them', async () => {
    expect(
      kubectl(
        ['apply', '-f', '-'],
        `apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderIPPool\nmetadata: {name: ${name}}\nspec: {subnet: 198.51.100.0/24, ips: ["198.51.100.10-198.51.100.19"]}\n`,
      ).status,
    ).toBe(0);
    const writer = customResourceWriter(kc);
    const before = jsonClient(kc).connectionsOpened();
    for (let i = 0; i < 20; i++) {
      const pool = (await writer.get(plurals.ipPool, name)) as { metadata: { name: string } };
      expect(pool.metadata.name).toBe(name);
    }
    expect(jsonClient(kc).connectionsOpened() - before).toBeLessThanOrEqual(2);

    const stale = (await writer.get(plurals.ipPool, name)) as { metadata: { resourceVersion: string } };
    // A write that changes the object (a write that changes nothing keeps the resourceVersion)...
    await writer.patchStatus(plurals.ipPool, name, stale.metadata.resourceVersion, { allocatedIPCount: 7 });
    // ...then the same resourceVersion again: the object changed since, so the guarded write is refused.
    const conflict = await writer
      .patchStatus(plurals.ipPool, name, stale.metadata.resourceVersion, { allocatedIPCount: 0 })
      .catch((e) => e);
    expect(isConflict(conflict)).toBe(true);
    expect(apiErrorMessage(conflict)).toMatch(/the object has been modified/);

    const missing = await writer.get(plurals.ipPool, `${name}-missing`).catch((e) => e);
    expect(isNotFound(missing)).toBe(true);
    expect(apiErrorMessage(missing)).toContain(`"${name}-missing" not found`);
  });
});

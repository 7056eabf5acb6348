// Defaulting webhooks of SpiderIPPool, SpiderSubnet and SpiderReservedIP. Like
// Spiderpool, defaulting never refuses: what it cannot default goes on to validation.
import {
  kinds,
  type ParsedResource,
  parseIPPool,
  parseReservedIP,
  parseSubnet,
  type SpiderIPPool,
  type SpiderReservedIP,
  type SpiderSubnet,
} from '../../ipam/model/index.js';
import { defaultIPPool, defaultReservedIP, defaultSubnet, type RulesConfig } from '../../ipam/rules/index.js';
import type { ClusterView } from '../cluster-view.js';
import { allowed, type Decision, type JsonObject, patched } from '../review.js';
import type { AdmissionHandler } from '../server.js';

/** kubectl prints admission warnings: say when the subnet was rewritten into canonical form. */
function subnetWarnings(kind: string, before: { spec?: { subnet?: unknown } }, after: { spec?: { subnet?: unknown } }): string[] {
  const was = before.spec?.subnet;
  const now = after.spec?.subnet;
  return typeof was === 'string' && was !== now ? [`${kind} spec.subnet "${was}" is stored in canonical form "${now}"`] : [];
}

function defaulting<T extends object>(
  kind: string,
  parse: (json: unknown) => ParsedResource<T>,
  apply: (object: T) => T,
): AdmissionHandler {
  return (request): Decision => {
    const raw = request.object as JsonObject | undefined;
    const read = parse(raw);
    if (!read.ok || !raw) return allowed(); // validation will refuse it with a message naming the field
    const mutated = apply(read.value);
    return patched(
      raw,
      mutated,
      subnetWarnings(kind, read.value as { spec?: { subnet?: unknown } }, mutated as { spec?: { subnet?: unknown } }),
    );
  };
}

export function mutateIPPool(view: ClusterView, config: RulesConfig): AdmissionHandler {
  return defaulting<SpiderIPPool>(kinds.ipPool, parseIPPool, (pool) =>
    defaultIPPool(pool, { subnets: view.subnets(), enableSpiderSubnet: config.enableSpiderSubnet }),
  );
}

export function mutateSubnet(): AdmissionHandler {
  return defaulting<SpiderSubnet>(kinds.subnet, parseSubnet, defaultSubnet);
}

export function mutateReservedIP(): AdmissionHandler {
  return defaulting<SpiderReservedIP>(kinds.reservedIP, parseReservedIP, defaultReservedIP);
}

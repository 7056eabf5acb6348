// Validating webhooks of SpiderIPPool, SpiderSubnet and SpiderReservedIP.
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
import {
  type RulesConfig,
  type Violation,
  validateIPPoolCreate,
  validateIPPoolDelete,
  validateIPPoolUpdate,
  validateReservedIPCreate,
  validateReservedIPUpdate,
  validateSubnetCreate,
  validateSubnetDelete,
  validateSubnetUpdate,
} from '../../ipam/rules/index.js';
import type { ClusterView } from '../cluster-view.js';
import { shapeDecision, violationsDecision } from '../resource-decision.js';
import { type AdmissionRequest, allowed, type Decision } from '../review.js';
import type { AdmissionHandler } from '../server.js';

interface Checks<T> {
  create(object: T): Violation[];
  update(old: T, object: T): Violation[];
  remove(object: T): Violation[];
}

function validating<T extends { metadata: { name?: string } }>(
  kind: string,
  parse: (json: unknown) => ParsedResource<T>,
  checks: Checks<T>,
): AdmissionHandler {
  return (request: AdmissionRequest): Decision => {
    // On DELETE the object is absent and oldObject is the stored one.
    const object = request.operation === 'DELETE' ? undefined : parse(request.object);
    const old = request.operation === 'CREATE' ? undefined : parse(request.oldObject);
    const name = request.name ?? (object?.ok ? object.value.metadata.name : undefined);
    if (object && !object.ok) return shapeDecision(kind, name, object);
    // A stored object that does not parse (written past the webhook) must still be repairable and deletable:
    // its update is checked as if it had always been the new object, and its deletion is allowed.
    if (old && !old.ok) {
      if (request.operation === 'DELETE') return allowed();
      if (object?.ok) return violationsDecision(kind, name, checks.update(object.value, object.value));
    }
    switch (request.operation) {
      case 'CREATE':
        return object?.ok ? violationsDecision(kind, name, checks.create(object.value)) : allowed();
      case 'UPDATE':
        return object?.ok && old?.ok ? violationsDecision(kind, name, checks.update(old.value, object.value)) : allowed();
      case 'DELETE':
        return old?.ok ? violationsDecision(kind, name, checks.remove(old.value)) : allowed();
      default:
        return allowed();
    }
  };
}

export function validateIPPool(view: ClusterView, config: RulesConfig): AdmissionHandler {
  const ctx = () => ({ pools: view.pools(), subnets: view.subnets(), config });
  return validating<SpiderIPPool>(kinds.ipPool, parseIPPool, {
    create: (pool) => validateIPPoolCreate(pool, ctx()),
    update: (old, pool) => validateIPPoolUpdate(old, pool, ctx()),
    remove: (pool) => validateIPPoolDelete(pool, ctx()),
  });
}

export function validateSubnet(view: ClusterView, config: RulesConfig): AdmissionHandler {
  const ctx = () => ({ subnets: view.subnets(), pools: view.pools(), config });
  return validating<SpiderSubnet>(kinds.subnet, parseSubnet, {
    create: (subnet) => validateSubnetCreate(subnet, ctx()),
    update: (old, subnet) => validateSubnetUpdate(old, subnet, ctx()),
    remove: (subnet) => validateSubnetDelete(subnet, ctx()),
  });
}

export function validateReservedIP(config: RulesConfig): AdmissionHandler {
  return validating<SpiderReservedIP>(kinds.reservedIP, parseReservedIP, {
    create: (reserved) => validateReservedIPCreate(reserved, config),
    update: (old, reserved) => validateReservedIPUpdate(old, reserved, config),
    remove: () => [],
  });
}

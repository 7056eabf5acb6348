/** Cluster-wide switches of the validation rules (Spiderpool's `spiderpool-conf` keys of the same meaning). */
export interface RulesConfig {
  enableIPv4: boolean;
  enableIPv6: boolean;
  /** Pools with the CIDR of a SpiderSubnet are owned by it and must stay inside its IPs. */
  enableSpiderSubnet: boolean;
  /**
   * Refuse deleting a pool or subnet that still has allocations. Spiderpool's chart leaves this off; it is on
   * here by default, because deleting an in-use pool strands its Pods' addresses.
   */
  validateDeletion: boolean;
}

export const defaultRulesConfig: RulesConfig = {
  enableIPv4: true,
  enableIPv6: true,
  enableSpiderSubnet: true,
  validateDeletion: true,
};

import { formatRangeSet, type IPRangeSet } from '../ip/index.js';

/** "10.6.0.5, 10.6.0.7-10.6.0.9" — a set as a person reads it, cut short when long. */
export function formatRanges(set: IPRangeSet, max = 5): string {
  const items = formatRangeSet(set);
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more ranges`;
}

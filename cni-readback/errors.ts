// CNI errors: the JSON object a plugin prints on stdout with a non-zero exit (CNI spec, "Error"). Codes 1-99 are the
// spec's; 100 and up are this plugin's own, so a runtime's log tells at a glance which rule refused a Pod.

/** The spec's well-known codes (CNI 1.0 "Well-known Error Codes"). */
export const specCodes = {
  incompatibleVersion: 1,
  unsupportedField: 2,
  unknownContainer: 3,
  invalidEnvironment: 4,
  ioFailure: 5,
  decodingFailure: 6,
  invalidNetworkConfig: 7,
  tryAgainLater: 11,
  internal: 999,
} as const;

/** This plugin's codes (the spec reserves 100 and above for plugins). */
export const pluginCodes = {
  /** The Pod has no `ipam.spidernet.io/assigned-<interface>`: the webhook did not give it addresses. */
  notAdmitted: 100,
  /** The annotation is there but cannot be read. */
  unreadableResult: 101,
  /** The pool does not record the address for this Pod: forged, or already released. */
  notOwner: 102,
  /** A pool the annotation names does not exist, or its status cannot be read. */
  poolUnusable: 103,
  /** The kubeconfig cannot be read or lacks what a request needs. */
  kubeconfig: 104,
  /** The API server refused the request (401, 403, or another status that retrying cannot mend). */
  apiRefused: 105,
  /** The Pod in the API server is another incarnation than the one the runtime sets up (another UID). */
  podReplaced: 106,
  /** CHECK: the runtime's prevResult lacks an address the pool records for this Pod's interface. */
  resultDiffers: 107,
} as const;

export interface CniError {
  code: number;
  msg: string;
  details: string;
}

export const cniError = (code: number, msg: string, details = ''): CniError => ({ code, msg, details });

/** The error object as printed; cniVersion is the config's when it could be read (CNI 1.0 puts it in every output). */
export function formatCniError(error: CniError, cniVersion: string | undefined): string {
  const out: Record<string, unknown> = {};
  if (cniVersion !== undefined) out.cniVersion = cniVersion;
  out.code = error.code;
  out.msg = error.msg;
  if (error.details !== '') out.details = error.details;
  return JSON.stringify(out);
}

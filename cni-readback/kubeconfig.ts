// The node's kubeconfig, reduced to what two GET requests need: the server, how to trust it, and how to
// authenticate (a client certificate, a bearer token, or a token file that the installer refreshes). Pure: the text is
// read by the caller, and file references are returned as absolute paths for it to read.
import { isAbsolute, join } from 'node:path/posix';
import { parseYamlSubset, type YamlValue } from './yaml-subset.js';

/** Bytes given inline (base64 "-data" fields, decoded) or a file to read. */
export type Material = { data: string } | { file: string };

export type Credentials =
  | { kind: 'client-certificate'; cert: Material; key: Material }
  | { kind: 'token'; token: string }
  | { kind: 'token-file'; file: string }
  | { kind: 'none' };

export interface KubeAccess {
  server: string;
  ca: Material | undefined;
  insecureSkipTLSVerify: boolean;
  tlsServerName: string | undefined;
  credentials: Credentials;
  /** The context used, for messages. */
  context: string;
}

type Obj = { [key: string]: YamlValue };
const isObj = (v: YamlValue | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function named(list: YamlValue | undefined, name: string, field: string): Obj | undefined {
  if (!Array.isArray(list)) return undefined;
  for (const item of list) if (isObj(item) && item.name === name && isObj(item[field])) return item[field] as Obj;
  return undefined;
}

const str = (v: YamlValue | undefined): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export function parseKubeconfig(text: string, path: string): { ok: true; value: KubeAccess } | { ok: false; reason: string } {
  const fail = (reason: string) => ({ ok: false as const, reason: `kubeconfig ${path}: ${reason}` });
  let doc: YamlValue;
  try {
    doc = parseYamlSubset(text);
  } catch (err) {
    return fail((err as Error).message);
  }
  if (!isObj(doc)) return fail('is not a kubeconfig (expected a mapping with clusters, users and contexts)');
  const contexts = Array.isArray(doc.contexts) ? doc.contexts : [];
  let contextName = str(doc['current-context']);
  if (contextName === undefined && contexts.length === 1 && isObj(contexts[0])) contextName = str(contexts[0].name);
  if (contextName === undefined) return fail('has no current-context');
  const context = named(doc.contexts, contextName, 'context');
  if (!context) return fail(`has no context named "${contextName}"`);
  const clusterName = str(context.cluster) ?? '';
  const cluster = named(doc.clusters, clusterName, 'cluster');
  if (!cluster) return fail(`context "${contextName}" names cluster "${clusterName}", which is not in clusters`);
  const server = str(cluster.server);
  if (server === undefined || !server.startsWith('https://')) {
    return fail(`cluster "${clusterName}" has server ${JSON.stringify(cluster.server ?? null)}; an https:// URL is required`);
  }
  const dir = path.slice(0, Math.max(0, path.lastIndexOf('/'))) || '/';
  // client-go resolves relative file references against the kubeconfig's directory.
  const file = (p: string) => (isAbsolute(p) ? p : join(dir, p));
  const material = (obj: Obj, dataKey: string, fileKey: string): Material | undefined => {
    const data = str(obj[dataKey]);
    if (data !== undefined) return { data: Buffer.from(data, 'base64').toString('utf8') };
    const f = str(obj[fileKey]);
    return f === undefined ? undefined : { file: file(f) };
  };
  const userName = str(context.user);
  const user = userName === undefined ? {} : named(doc.users, userName, 'user');
  if (!user) return fail(`context "${contextName}" names user "${userName}", which is not in users`);
  for (const unsupported of ['exec', 'auth-provider', 'username']) {
    if (user[unsupported] !== undefined) {
      return fail(
        `user "${userName}" authenticates with "${unsupported}", which the CNI plugin does not run; use a ServiceAccount token (token or tokenFile) or a client certificate`,
      );
    }
  }
  let credentials: Credentials = { kind: 'none' };
  const token = str(user.token);
  const tokenFile = str(user.tokenFile);
  const cert = material(user, 'client-certificate-data', 'client-certificate');
  const key = material(user, 'client-key-data', 'client-key');
  if (cert !== undefined || key !== undefined) {
    if (cert === undefined || key === undefined) return fail(`user "${userName}" has a client certificate or key without the other`);
    credentials = { kind: 'client-certificate', cert, key };
  } else if (token !== undefined) credentials = { kind: 'token', token };
  else if (tokenFile !== undefined) credentials = { kind: 'token-file', file: file(tokenFile) };
  return {
    ok: true,
    value: {
      server: server.replace(/\/+$/, ''),
      ca: material(cluster, 'certificate-authority-data', 'certificate-authority'),
      insecureSkipTLSVerify: cluster['insecure-skip-tls-verify'] === true,
      tlsServerName: str(cluster['tls-server-name']),
      credentials,
      context: contextName,
    },
  };
}

// npm start | up | down | restart, and npm run cluster:up | cluster:down | cluster:status
import { clusterConfig } from './config.js';
import { clusterDown, clusterStatus, clusterUp } from './lifecycle.js';
import { serverDown, systemDown, systemForeground, systemUp } from './system.js';

const usage = `usage: cli.ts COMMAND  (env: ADMISSION_IPAM_CLUSTER_DIR, ADMISSION_IPAM_CLUSTER_PORT_BASE, ADMISSION_IPAM_CLUSTER_NODES)
  start        cluster, CRDs and admission-ipam in the foreground (npm start)
  system-up    the same with admission-ipam in the background (npm run up)
  system-down  stop admission-ipam and the cluster (npm run down)
  restart      a new admission-ipam process on the running cluster, after a code change (npm run restart)
  up | down | status   the bare cluster (npm run cluster:up|down|status)`;

async function main(command: string | undefined): Promise<number> {
  const config = clusterConfig();
  switch (command) {
    case 'up': {
      const cluster = await clusterUp(config);
      console.log(`export KUBECONFIG=${cluster.kubeconfig}`);
      return 0;
    }
    case 'down':
      await clusterDown(config);
      return 0;
    case 'start':
      return systemForeground(config);
    case 'system-up': {
      const system = await systemUp(config);
      console.log(`export KUBECONFIG=${system.cluster.kubeconfig}`);
      return 0;
    }
    case 'restart': {
      // After a code change: the server runs the sources, so a new process is all it takes; the cluster stays.
      await serverDown(config);
      const system = await systemUp(config);
      console.log(`export KUBECONFIG=${system.cluster.kubeconfig}`);
      return 0;
    }
    case 'system-down':
      await systemDown(config);
      return 0;
    case 'status':
      console.log(await clusterStatus(config));
      return 0;
    default:
      console.error(usage);
      return 2;
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);

// npm run cluster:up | cluster:down | cluster:status
import { clusterConfig } from './config.js';
import { clusterDown, clusterStatus, clusterUp } from './lifecycle.js';

const usage =
  'usage: cli.ts up|down|status  (env: ADMISSION_IPAM_CLUSTER_DIR, ADMISSION_IPAM_CLUSTER_PORT_BASE, ADMISSION_IPAM_CLUSTER_NODES)';

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

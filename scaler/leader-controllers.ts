// The controllers that must run on one replica only: started together when this replica gains the Lease, stopped
// together when it loses it (or run from the start when leader election is off). Adding a controller is one more
// entry in the list serve.ts passes in.
import type { Logger } from '../admission/log.js';
import { type LeaderElectionOptions, type LeaderElector, startLeaderElection } from '../kube/leader/index.js';

export interface RunningController {
  stop(): void | Promise<void>;
}

export interface ControllerStarter {
  /** For logs: `status`, `gc`... */
  name: string;
  /** Subscribes to the caches and starts reconciling; the caches may or may not have synced yet. */
  start(): RunningController;
}

export interface ControllerGroup {
  start(): void;
  stop(): Promise<void>;
  readonly running: boolean;
}

/** Starts and stops the controllers as one. A controller that fails to start is logged; the others run. */
export function controllerGroup(starters: readonly ControllerStarter[], log: Logger): ControllerGroup {
  let running: { name: string; controller: RunningController }[] | undefined;
  return {
    get running() {
      return running !== undefined;
    },
    start() {
      if (running) return;
      running = [];
      for (const starter of starters) {
        try {
          running.push({ name: starter.name, controller: starter.start() });
        } catch (err) {
          log.error({ controller: starter.name, err }, 'controller failed to start');
        }
      }
      log.info({ controllers: running.map((r) => r.name) }, 'controllers started');
    },
    async stop() {
      if (!running) return;
      const stopping = running.reverse();
      running = undefined;
      for (const { name, controller } of stopping) {
        try {
          await controller.stop();
        } catch (err) {
          log.error({ controller: name, err }, 'controller failed to stop');
        }
      }
      log.info({ controllers: stopping.map((r) => r.name) }, 'controllers stopped');
    },
  };
}

export interface LeaderControllersOptions {
  controllers: readonly ControllerStarter[];
  /** The Lease to hold; undefined runs the controllers from the start, without election. */
  election: Omit<LeaderElectionOptions, 'onStartedLeading' | 'onStoppedLeading' | 'log'> | undefined;
  log: Logger;
  /** Told each time the controllers start (true) or stop (false); the leader gauge listens here. */
  onLeadingChange?(leading: boolean): void;
}

export interface LeaderControllers {
  /** Stops the controllers, then releases the Lease so another replica takes over at once. */
  stop(): Promise<void>;
  /** Whether the controllers run here. */
  isLeader(): boolean;
}

export function runLeaderControllers(options: LeaderControllersOptions): LeaderControllers {
  const { log, onLeadingChange } = options;
  const group = controllerGroup(options.controllers, log);
  const start = () => {
    group.start();
    onLeadingChange?.(true);
  };
  const stop = async () => {
    onLeadingChange?.(false);
    await group.stop();
  };
  if (!options.election) {
    start();
    return { stop, isLeader: () => group.running };
  }
  const elector: LeaderElector = startLeaderElection({
    ...options.election,
    log,
    onStartedLeading: start,
    onStoppedLeading: stop,
  });
  log.info({ lease: `${options.election.namespace}/${options.election.name}`, identity: elector.identity }, 'leader election started');
  return { stop: () => elector.stop(), isLeader: () => group.running };
}

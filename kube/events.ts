// Kubernetes Events on the objects our controllers act for (`kubectl describe deployment` shows them), e.g. a
// Warning ApplicationSubnetChanged when a workload names another subnet than the one its pool was carved from.
import { hostname } from 'node:os';
import type { CoreV1Api } from '@kubernetes/client-node';

export interface EventTarget {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid?: string;
}

export interface EventRecorder {
  /** Best effort: an Event that cannot be written is not worth failing a reconcile for; it resolves anyway. */
  warn(target: EventTarget, reason: string, message: string): Promise<void>;
}

export const eventSource = 'admission-ipam';

export function eventRecorder(core: CoreV1Api, onError?: (err: unknown) => void): EventRecorder {
  const instance = hostname();
  return {
    async warn(target, reason, message) {
      const now = new Date();
      try {
        await core.createNamespacedEvent({
          namespace: target.namespace,
          body: {
            metadata: { generateName: `${target.name}.` },
            involvedObject: {
              apiVersion: target.apiVersion,
              kind: target.kind,
              namespace: target.namespace,
              name: target.name,
              ...(target.uid ? { uid: target.uid } : {}),
            },
            reason,
            // The API server refuses messages over 1 KiB.
            message: message.length > 1000 ? `${message.slice(0, 997)}...` : message,
            type: 'Warning',
            source: { component: eventSource },
            reportingComponent: eventSource,
            reportingInstance: instance,
            firstTimestamp: now,
            lastTimestamp: now,
            count: 1,
          },
        });
      } catch (err) {
        onError?.(err);
      }
    },
  };
}

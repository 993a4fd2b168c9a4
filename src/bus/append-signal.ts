import { BroadcastChannel } from 'node:worker_threads';

/**
 * "Events were appended", from whichever thread appended them to the pipeline's thread, so that a
 * caught-up pipeline starts its next batch at once instead of at its next poll (the poll stays,
 * for appends this process does not see: another process, a replay). Within one process only:
 * a BroadcastChannel named after the store.
 */
export interface AppendSignal {
  readonly notify: () => void;
  readonly listen: (onAppended: () => void) => void;
  readonly close: () => void;
}

export const appendSignal = (storeKey: string): AppendSignal => {
  const name = `tessera:appended:${storeKey}`;
  // A channel does not hear its own messages: one to send, one to listen.
  const sender = new BroadcastChannel(name);
  sender.unref();
  let receiver: BroadcastChannel | undefined;
  let pending = false;
  return {
    notify: () => {
      // One message per turn of the event loop is enough, however many batches committed in it.
      if (pending) return;
      pending = true;
      queueMicrotask(() => {
        pending = false;
        sender.postMessage(0);
      });
    },
    listen: (onAppended) => {
      receiver ??= new BroadcastChannel(name);
      receiver.onmessage = () => onAppended();
      receiver.unref();
    },
    close: () => {
      sender.close();
      receiver?.close();
    },
  };
};

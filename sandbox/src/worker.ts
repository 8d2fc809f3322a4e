// Entry of a sandbox worker process (forked by SandboxPool). Deliberately thin: all logic is in
// IsolateHost and serveWorker, which are tested in-process. Frames travel on fd 3.
import net from 'node:net';
import { IsolateHost, type IsolateHostOptions } from './isolate-host.ts';
import { serveWorker } from './worker-server.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as IsolateHostOptions;
const host = new IsolateHost({
  ...options,
  // isolated-vm says the process is in an undefined state: die, the pool restarts us.
  onCatastrophicError: () => process.exit(70),
});
const channel = new net.Socket({ fd: 3, readable: true, writable: true });
serveWorker(channel, channel, host, () => process.exit(0), Number(process.argv[3] ?? 0));
process.on('disconnect', () => process.exit(0));

// admission-ipam: one process that serves every webhook (and, from the scaler
// work on, runs the leader-elected controllers).
import { createLogger } from '../admission/log.js';
import { parseServeOptions, serveUsage } from '../admission/options.js';
import { serve } from '../admission/serve.js';

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command !== 'serve') {
    console.error(
      `${command ? `unknown command "${command}"\n` : ''}usage: admission-ipam serve [flags]   (admission-ipam serve --help for the flags)`,
    );
    process.exit(2);
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(serveUsage);
    return;
  }
  let options: ReturnType<typeof parseServeOptions>;
  try {
    options = parseServeOptions(rest);
  } catch (err) {
    console.error(`admission-ipam serve: ${(err as Error).message}\n${serveUsage}`);
    process.exit(2);
  }
  const log = createLogger({ level: options.logLevel, component: 'admission-ipam' });
  // Requests are isolated by the server (a failing handler becomes a denial); anything escaping elsewhere is a
  // bug in the process itself, so log it and let the Deployment restart a clean process.
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception; exiting');
    process.exit(1);
  });
  process.on('unhandledRejection', (err) => {
    log.fatal({ err }, 'unhandled rejection; exiting');
    process.exit(1);
  });
  const running = await serve(options, log);
  const shutdown = (signal: string) => {
    log.info({ signal }, 'shutting down');
    running.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(`admission-ipam: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

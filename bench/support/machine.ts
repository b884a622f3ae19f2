import { readFileSync } from 'node:fs';
import os from 'node:os';

const PEERS = [
  'cache-manager',
  'async-cache-dedupe',
  'bentocache',
  'lru-cache',
  '@nestjs/cache-manager',
  'superjson',
  'devalue',
  'tinybench',
  'autocannon',
];

function versionOf(name: string): string {
  try {
    const manifest = JSON.parse(
      readFileSync(new URL(`../../node_modules/${name}/package.json`, import.meta.url), 'utf8'),
    ) as { version: string };
    return manifest.version;
  } catch {
    return '?';
  }
}

/** Where and when the figures were taken, for the report's header. */
export function describeMachine(): string[] {
  const cpus = os.cpus();
  return [
    `- Date: ${new Date().toISOString().replace('T', ' ').slice(0, 16)} UTC`,
    `- Machine: ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${cpus.length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, load average ${os.loadavg()[0]!.toFixed(1)} at start`,
    `- Node ${process.version}; ${PEERS.map((name) => `${name} ${versionOf(name)}`).join(', ')}`,
  ];
}

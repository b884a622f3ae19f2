import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { RedisServer, waitFor } from './redis-server.js';

const run = promisify(execFile);

/** A Redis Cluster of three masters (no replicas) made of redis-servers on free ports. */
export class RedisCluster {
  private constructor(readonly nodes: RedisServer[]) {}

  static async start(): Promise<RedisCluster> {
    const nodes: RedisServer[] = [];
    try {
      for (let i = 0; i < 3; i++) nodes.push(await RedisServer.start({ cluster: true }));
      const addresses = nodes.map((node) => `127.0.0.1:${node.port}`);
      await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes']);
      for (const node of nodes) {
        await waitFor(
          async () => (await node.cli('CLUSTER', 'INFO')).includes('cluster_state:ok'),
          `cluster state ok on ${node.port}`,
        );
      }
      return new RedisCluster(nodes);
    } catch (error) {
      await Promise.all(nodes.map((node) => node.stop()));
      throw error;
    }
  }

  /** Where an ioredis `Cluster` can start discovering the others. */
  get startupNodes(): Array<{ host: string; port: number }> {
    return this.nodes.map((node) => ({ host: '127.0.0.1', port: node.port }));
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.stop()));
  }
}

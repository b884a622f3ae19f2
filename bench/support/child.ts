import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Runs a bench file in its own Node process, with the same loader flags as this one
 * (e.g. the swc register), and resolves to what it printed last as JSON.
 */
export function runChild<T>(file: URL, args: readonly string[], extraFlags: readonly string[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, ...extraFlags, fileURLToPath(file), ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`${fileURLToPath(file)} ${args.join(' ')} exited with ${code}`));
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`${fileURLToPath(file)} printed no JSON result: ${last.slice(0, 200)}`));
      }
    });
  });
}

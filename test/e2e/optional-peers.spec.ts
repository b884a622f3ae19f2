import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

describe('an application without @nestjs/graphql and @nestjs/microservices installed', () => {
  it('loads the library and memoizes as usual', async () => {
    const script = fileURLToPath(new URL('../fixtures/without-optional-peers.ts', import.meta.url));
    const { stdout } = await run(process.execPath, ['--import', '@swc-node/register/esm-register', script], {
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    expect(JSON.parse(stdout)).toEqual(['hello ada #1', 'hello ada #1']);
  });
});

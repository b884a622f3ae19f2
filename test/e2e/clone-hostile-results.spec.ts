import { Injectable, type INestApplication } from '@nestjs/common';
import { CacheMemoize } from '../../lib/index.js';
import { createApp } from '../fixtures/create-app.js';

interface Node {
  name: string;
  parent?: Node;
  children: Node[];
}

/** A tree with back-references, as an ORM hands out entities: a cycle at every level. */
function tree(): Node {
  const root: Node = { name: 'root', children: [] };
  for (const name of ['a', 'b']) root.children.push({ name, parent: root, children: [] });
  return root;
}

@Injectable()
class Categories {
  calls = 0;

  @CacheMemoize({ ttl: '5m', clone: true })
  async tree(): Promise<Node> {
    this.calls++;
    return tree();
  }

  @CacheMemoize({ ttl: '5m', clone: true })
  async shared(): Promise<{ left: { n: number }; right: { n: number } }> {
    const leaf = { n: ++this.calls };
    return { left: leaf, right: leaf };
  }
}

describe('clone: true with results hostile to a deep copy', () => {
  let app: INestApplication;
  let categories: Categories;

  beforeEach(async () => {
    app = await createApp({ providers: [Categories] }, { caches: { default: { store: 'memory', clone: true } } });
    categories = app.get(Categories);
  });
  afterEach(() => app.close());

  it('a result with cycles is cached and copied, cycles kept, instead of failing the call', async () => {
    const first = await categories.tree();
    const second = await categories.tree();
    expect(categories.calls).toBe(1);
    expect(second).not.toBe(first);
    expect(second.children[0]!.parent).toBe(second);
    second.children.pop();
    expect((await categories.tree()).children).toHaveLength(2);
  });

  it('a value reached twice in a result is one value in the copy, as the other stores give it back', async () => {
    const copy = await categories.shared();
    await categories.shared();
    expect(categories.calls).toBe(1);
    expect(copy.right).toBe(copy.left);
  });
});

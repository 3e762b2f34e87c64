import { buildTree } from './org-units';

const unit = (id: string, parentId: string | null, name: string) => ({ id, parentId, name, description: '', createdAt: '', updatedAt: '', agentCount: 0 });

describe('buildTree', () => {
  test('nests children under parents and keeps the given order', () => {
    const tree = buildTree([unit('a', null, 'A'), unit('b', 'a', 'B'), unit('c', 'b', 'C'), unit('d', null, 'D'), unit('e', 'a', 'E')]);
    expect(tree.map((n) => n.name)).toEqual(['A', 'D']);
    expect(tree[0]!.children.map((n) => n.name)).toEqual(['B', 'E']);
    expect(tree[0]!.children[0]!.children.map((n) => n.name)).toEqual(['C']);
  });
});

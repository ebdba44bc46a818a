/** Departments form a tree (parent); lists show it depth-first, children under their parent. */
export interface TreeNode {
	id: string;
	name: string;
	parent_id: string | null;
}

/** Depth-first order with each node's depth; orphans (a parent not in the list) become roots. */
export function departmentTree<T extends TreeNode>(items: readonly T[]): Array<T & { depth: number }> {
	const ids = new Set(items.map((d) => d.id));
	const children = new Map<string | null, T[]>();
	for (const item of items) {
		const parent = item.parent_id && ids.has(item.parent_id) ? item.parent_id : null;
		const list = children.get(parent) ?? [];
		list.push(item);
		children.set(parent, list);
	}
	for (const list of children.values()) list.sort((a, b) => a.name.localeCompare(b.name));
	const out: Array<T & { depth: number }> = [];
	const seen = new Set<string>();
	const visit = (parent: string | null, depth: number) => {
		for (const item of children.get(parent) ?? []) {
			if (seen.has(item.id)) continue;
			seen.add(item.id);
			out.push({ ...item, depth });
			visit(item.id, depth + 1);
		}
	};
	visit(null, 0);
	return out;
}

/** Ids of a department and everything under it (a department cannot move under its own child). */
export function subtreeIds(items: readonly TreeNode[], rootId: string): Set<string> {
	const out = new Set([rootId]);
	let grew = true;
	while (grew) {
		grew = false;
		for (const item of items) {
			if (item.parent_id && out.has(item.parent_id) && !out.has(item.id)) {
				out.add(item.id);
				grew = true;
			}
		}
	}
	return out;
}

/**
 * Select options in tree order, each labelled with its path ("Engineering › Backend") so that a
 * closed select still says where the department sits.
 */
export function departmentChoices(items: readonly TreeNode[]): Array<{ value: string; label: string }> {
	const byId = new Map(items.map((d) => [d.id, d]));
	const pathOf = (node: TreeNode): string => {
		const names = [node.name];
		const seen = new Set([node.id]);
		let parent = node.parent_id ? byId.get(node.parent_id) : undefined;
		while (parent && !seen.has(parent.id)) {
			names.unshift(parent.name);
			seen.add(parent.id);
			parent = parent.parent_id ? byId.get(parent.parent_id) : undefined;
		}
		return names.join(' › ');
	};
	return departmentTree(items).map((d) => ({ value: d.id, label: pathOf(d) }));
}

import { describe, expect, it } from 'vitest';
import { asksRootLayoutOnly, rootLayoutAnswer, rootLayoutNodeOf } from '../../src/lib/offline/sw-rules';

/**
 * The service worker's answer, offline, to a client-side navigation to a page never opened: the
 * root layout's data kept from an earlier answer, `skip` for the other nodes — only when the
 * request asks for the root layout alone.
 */

const at = (path: string) => new URL(path, 'http://127.0.0.1:5173');

// What the server answers a navigation to `/` (devalue-flattened data, as SvelteKit sends it).
const ROOT_ANSWER =
	'{"type":"data","nodes":[{"type":"data","data":[{"user":1,"publicSite":4},{"id":2,"name":3},"u1","Ada",false],"uses":{"url":1}},null]}';

describe('the root layout data kept for offline navigations', () => {
	it('answers only data requests that ask for the root layout alone', () => {
		expect(asksRootLayoutOnly(at('/candidates/tmp-1/__data.json?x-sveltekit-invalidated=10'))).toBe(true);
		expect(asksRootLayoutOnly(at('/admin/x/__data.json?x-sveltekit-invalidated=100'))).toBe(true);
		expect(asksRootLayoutOnly(at('/__data.json?x-sveltekit-trailing-slash=1&x-sveltekit-invalidated=1'))).toBe(true);
		// A page with its own server load asks for it too: not answered from the layout alone.
		expect(asksRootLayoutOnly(at('/admin/__data.json?x-sveltekit-invalidated=11'))).toBe(false);
		expect(asksRootLayoutOnly(at('/x/__data.json?x-sveltekit-invalidated=01'))).toBe(false);
		expect(asksRootLayoutOnly(at('/x/__data.json'))).toBe(false);
		expect(asksRootLayoutOnly(at('/candidates/tmp-1?x-sveltekit-invalidated=10'))).toBe(false);
	});

	it('keeps the root node of an answer and builds an answer of the asked length from it', () => {
		const node = rootLayoutNodeOf(ROOT_ANSWER);
		expect(node).not.toBeNull();
		expect(JSON.parse(node!)).toMatchObject({ type: 'data', uses: { url: 1 } });
		const answer = JSON.parse(rootLayoutAnswer(at('/a/b/__data.json?x-sveltekit-invalidated=100'), node!));
		expect(answer.type).toBe('data');
		expect(answer.nodes).toHaveLength(3);
		expect(answer.nodes[0]).toEqual(JSON.parse(node!));
		expect(answer.nodes.slice(1)).toEqual([{ type: 'skip' }, { type: 'skip' }]);
	});

	it('keeps nothing from a redirect (signed out), an error or something not JSON', () => {
		expect(rootLayoutNodeOf('{"type":"redirect","location":"/login"}')).toBeNull();
		expect(rootLayoutNodeOf('{"type":"data","nodes":[{"type":"error","error":{"message":"x"}}]}')).toBeNull();
		expect(rootLayoutNodeOf('{"type":"data","nodes":[null]}')).toBeNull();
		expect(rootLayoutNodeOf('<!doctype html>')).toBeNull();
	});
});

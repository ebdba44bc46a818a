import { getSchema } from '@tiptap/core';
import StarterKit from '@tiptap/starter-kit';
import type { Node as PmNode } from '@tiptap/pm/model';
// The binding Tiptap's Collaboration extension uses (a dependency of it): what a browser reads.
import { prosemirrorToYXmlFragment, yXmlFragmentToProseMirrorRootNode } from '@tiptap/y-tiptap';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { descriptionFragment, renderDescription } from '../../src/lib/collab/description';
import {
	appendSuggestedDraft,
	hasSuggestionGroup,
	listPendingSuggestions,
	readSuggestionMetas,
	recordSuggestion,
	resolveSuggestion,
	SUGGESTION_DELETE,
	SUGGESTION_INSERT,
	type SuggestedSection,
	type SuggestionMeta
} from '../../src/lib/collab/suggestions';
import { SuggestionDelete, SuggestionInsert } from '../../src/lib/collab/tiptap-suggestions';

/**
 * Suggestions in the description document (issue 7, part 3): an AI draft appended as one
 * suggestion per section, read by the editor's real schema and binding, left out of the
 * rendering for postings and search until accepted; accept and reject per section; an
 * "improve" replacement (old text marked for removal, new text proposed) both ways.
 */

const schema = getSchema([StarterKit, SuggestionInsert, SuggestionDelete]);

function docWith(paragraphs: string[]): Y.Doc {
	const doc = new Y.Doc();
	const pm = schema.node(
		'doc',
		null,
		paragraphs.map((p) => schema.node('paragraph', null, p ? [schema.text(p)] : []))
	);
	prosemirrorToYXmlFragment(pm, descriptionFragment(doc));
	return doc;
}

const META = {
	author: 'AI',
	source: 'gemini' as const,
	model: 'gemini-2.5-flash',
	requestedBy: { id: 'u1', name: 'Hanna Manager' },
	createdAt: '2026-11-22T10:00:00.000Z',
	changes: []
};

const SECTIONS: SuggestedSection[] = [
	{
		id: 'job-1:about_the_role',
		label: 'About the role',
		blocks: [
			{ type: 'heading', level: 2, text: 'About the role' },
			{ type: 'paragraph', text: 'You will own the billing platform.' }
		]
	},
	{
		id: 'job-1:requirements',
		label: 'Requirements',
		blocks: [
			{ type: 'heading', level: 2, text: 'Requirements' },
			{ type: 'bulletList', items: ['Hands-on experience with Go', 'Hands-on experience with PostgreSQL'] }
		]
	}
];

/** The document as the editor sees it (y-prosemirror with Tiptap's schema). */
function editorView(doc: Y.Doc): PmNode {
	return yXmlFragmentToProseMirrorRootNode(descriptionFragment(doc), schema);
}

describe('suggestions in the description document', () => {
	it('appends a draft after what people wrote, readable by the editor, left out of the rendering', () => {
		const doc = docWith(['We build robots.']);
		expect(
			appendSuggestedDraft(doc, descriptionFragment(doc), { group: 'job-1', sections: SECTIONS, meta: META })
		).toBe(true);

		// The posting and search see only what people wrote.
		expect(renderDescription(doc)).toEqual({ html: '<p>We build robots.</p>', text: 'We build robots.' });

		// The editor's schema takes the draft as it is: headings, paragraphs, a list, all marked.
		const pm = editorView(doc);
		expect(pm.childCount).toBe(5);
		expect(pm.child(0).textContent).toBe('We build robots.');
		expect(pm.child(1).type.name).toBe('heading');
		expect(pm.child(1).attrs.level).toBe(2);
		expect(pm.child(4).type.name).toBe('bulletList');
		const marked: string[] = [];
		pm.descendants((node) => {
			if (!node.isText) return;
			const mark = node.marks.find((m) => m.type.name === SUGGESTION_INSERT);
			if (mark) marked.push(`${String(mark.attrs.id)}|${String(mark.attrs.author)}|${node.text ?? ''}`);
			else expect(node.text).toBe('We build robots.');
		});
		expect(marked).toEqual([
			'job-1:about_the_role|AI|About the role',
			'job-1:about_the_role|AI|You will own the billing platform.',
			'job-1:requirements|AI|Requirements',
			'job-1:requirements|AI|Hands-on experience with Go',
			'job-1:requirements|AI|Hands-on experience with PostgreSQL'
		]);

		const pending = listPendingSuggestions(doc, descriptionFragment(doc));
		expect(pending.map((p) => [p.id, p.meta?.label, p.meta?.source, p.meta?.status])).toEqual([
			['job-1:about_the_role', 'About the role', 'gemini', 'pending'],
			['job-1:requirements', 'Requirements', 'gemini', 'pending']
		]);
		expect(pending[1].inserted).toBe('Requirements\nHands-on experience with Go\nHands-on experience with PostgreSQL');
	});

	it('adds a job’s draft once: the same group a second time changes nothing', () => {
		const doc = docWith(['']);
		const fragment = descriptionFragment(doc);
		expect(appendSuggestedDraft(doc, fragment, { group: 'job-1', sections: SECTIONS, meta: META })).toBe(true);
		const before = Y.encodeStateVector(doc);
		expect(appendSuggestedDraft(doc, fragment, { group: 'job-1', sections: SECTIONS, meta: META })).toBe(false);
		expect(Y.encodeStateVector(doc)).toEqual(before);
		expect(hasSuggestionGroup(doc, 'job-1')).toBe(true);
		// Still once after the section was decided: the map remembers the group.
		resolveSuggestion(doc, fragment, 'job-1:about_the_role', 'reject');
		expect(appendSuggestedDraft(doc, fragment, { group: 'job-1', sections: SECTIONS, meta: META })).toBe(false);
		expect(editorView(doc).textContent).not.toContain('billing platform');
	});

	it('accepts one section and rejects the other: the accepted text is ordinary text, the rejected one gone', () => {
		const doc = docWith(['We build robots.']);
		const fragment = descriptionFragment(doc);
		appendSuggestedDraft(doc, fragment, { group: 'job-1', sections: SECTIONS, meta: META });
		const at = new Date('2026-11-22T11:00:00.000Z');
		expect(resolveSuggestion(doc, fragment, 'job-1:requirements', 'accept', at)).toBe(true);
		expect(resolveSuggestion(doc, fragment, 'job-1:about_the_role', 'reject', at)).toBe(true);
		// Deciding again finds nothing left to decide.
		expect(resolveSuggestion(doc, fragment, 'job-1:about_the_role', 'accept', at)).toBe(false);

		expect(renderDescription(doc).html).toBe(
			'<p>We build robots.</p><h2>Requirements</h2>' +
				'<ul><li><p>Hands-on experience with Go</p></li><li><p>Hands-on experience with PostgreSQL</p></li></ul>'
		);
		const pm = editorView(doc);
		expect(pm.childCount).toBe(3);
		pm.descendants((node) => {
			if (node.isText) expect(node.marks.map((m) => m.type.name)).toEqual([]);
		});
		expect(listPendingSuggestions(doc, fragment)).toEqual([]);
		const metas = readSuggestionMetas(doc);
		expect(metas.get('job-1:requirements')).toMatchObject({ status: 'accepted', decidedAt: at.toISOString() });
		expect(metas.get('job-1:about_the_role')).toMatchObject({ status: 'rejected' });
	});

	it('a replacement written by the editor: the old text stays in the posting until the new one is accepted', () => {
		for (const decision of ['accept', 'reject'] as const) {
			const doc = docWith(['We want a rockstar engineer.', 'Apply now.']);
			const fragment = descriptionFragment(doc);
			// What the editor writes for "improve selection": old text marked for removal, new text after it.
			const pm = editorView(doc);
			const id = `improve-${decision}`;
			const del = schema.marks[SUGGESTION_DELETE].create({ id, author: 'AI' });
			const ins = schema.marks[SUGGESTION_INSERT].create({ id, author: 'AI' });
			const first = schema.node('paragraph', null, [
				schema.text('We want a rockstar engineer.', [del]),
				schema.text('We want an expert engineer.', [ins])
			]);
			prosemirrorToYXmlFragment(pm.copy(pm.content.replaceChild(0, first)), fragment);
			const meta: SuggestionMeta = {
				...META,
				id,
				group: id,
				kind: 'improve',
				label: 'Improved text',
				status: 'pending',
				decidedAt: null,
				changes: ['Replaced exclusionary wording']
			};
			recordSuggestion(doc, meta);

			expect(renderDescription(doc).text).toBe('We want a rockstar engineer.\nApply now.');
			const [pending] = listPendingSuggestions(doc, fragment);
			expect(pending).toMatchObject({
				id,
				inserted: 'We want an expert engineer.',
				removed: 'We want a rockstar engineer.'
			});
			expect(pending.meta?.changes).toEqual(['Replaced exclusionary wording']);

			resolveSuggestion(doc, fragment, id, decision);
			expect(renderDescription(doc).text).toBe(
				decision === 'accept' ? 'We want an expert engineer.\nApply now.' : 'We want a rockstar engineer.\nApply now.'
			);
			expect(editorView(doc).child(0).textContent).toBe(
				decision === 'accept' ? 'We want an expert engineer.' : 'We want a rockstar engineer.'
			);
		}
	});

	it('leaves out the empty paragraph the editor keeps after a trailing list', () => {
		const doc = docWith(['We build robots.', '']);
		expect(renderDescription(doc).html).toBe('<p>We build robots.</p>');
		const inside = docWith(['We build robots.', '', 'Apply now.']);
		expect(renderDescription(inside).html).toBe('<p>We build robots.</p><p></p><p>Apply now.</p>');
	});

	it('ignores map entries that are not suggestions (the map is client data)', () => {
		const doc = docWith(['Hello.']);
		doc.getMap('suggestions').set('x', { id: 'x', label: 42 });
		doc.getMap('suggestions').set('y', 'not an object');
		expect(readSuggestionMetas(doc).size).toBe(0);
		expect(hasSuggestionGroup(doc, 'x')).toBe(false);
	});
});

import * as Y from 'yjs';
import { z } from 'zod';

/**
 * Suggestions in a rich-text document (the job description): text proposed by someone — "AI"
 * for now — that is not part of the document until an editor accepts it. Stored as two Tiptap
 * marks, track-changes style, plus a map of what each suggestion is:
 *
 * - `suggestionInsert` `{id, author}` on text proposed for adding. The rendering for postings and
 *   search leaves it out, and a block holding nothing but such text is left out whole.
 * - `suggestionDelete` `{id, author}` on text proposed for removing (an "improve" replacing a
 *   selection): still part of the document until accepted.
 * - the `suggestions` map: id → {@link SuggestionMeta} (label, source, who asked, status).
 *
 * Accepting a suggestion removes its `suggestionDelete` text and turns its `suggestionInsert`
 * text into ordinary text; rejecting does the opposite. Blocks left with nothing (a heading of a
 * rejected draft) go with it. The browser, the sync server and the job that writes AI drafts all
 * use this module, so a suggestion means the same thing everywhere.
 */

export const SUGGESTION_INSERT = 'suggestionInsert';
export const SUGGESTION_DELETE = 'suggestionDelete';
export const SUGGESTIONS_MAP = 'suggestions';
/** The author every AI suggestion carries (shown on the highlight and in the list). */
export const AI_AUTHOR = 'AI';

export const SUGGESTION_KINDS = ['draft', 'improve'] as const;
export const SUGGESTION_STATUSES = ['pending', 'accepted', 'rejected'] as const;

/** What the map says of one suggestion. Read through zod: anything in a document is client data. */
export const suggestionMetaSchema = z.object({
	id: z.string().min(1).max(100),
	/** Suggestions made together (one AI draft's sections) share a group: the job id. */
	group: z.string().min(1).max(100),
	kind: z.enum(SUGGESTION_KINDS),
	label: z.string().max(200),
	author: z.string().max(100),
	source: z.enum(['gemini', 'heuristic']),
	model: z.string().max(100).nullable(),
	requestedBy: z.object({ id: z.string(), name: z.string() }).nullable(),
	createdAt: z.string(),
	/** What an "improve" changed, in words. */
	changes: z.array(z.string()).max(20).default([]),
	status: z.enum(SUGGESTION_STATUSES),
	decidedAt: z.string().nullable().default(null)
});
export type SuggestionMeta = z.infer<typeof suggestionMetaSchema>;
export type SuggestionDecision = 'accept' | 'reject';

/** The attributes a suggestion mark carries in the document. */
export interface SuggestionMarkAttrs {
	id: string;
	author: string;
}

export function suggestionsMap(doc: Y.Doc): Y.Map<unknown> {
	return doc.getMap<unknown>(SUGGESTIONS_MAP);
}

/** Every suggestion the map knows of, valid entries only. */
export function readSuggestionMetas(doc: Y.Doc): Map<string, SuggestionMeta> {
	const out = new Map<string, SuggestionMeta>();
	for (const [key, value] of suggestionsMap(doc).entries()) {
		const parsed = suggestionMetaSchema.safeParse(value);
		if (parsed.success && parsed.data.id === key) out.set(key, parsed.data);
	}
	return out;
}

/** Has a suggestion of this group (an AI draft job) ever been put into the document? */
export function hasSuggestionGroup(doc: Y.Doc, group: string): boolean {
	for (const meta of readSuggestionMetas(doc).values()) if (meta.group === group) return true;
	return false;
}

// ---------------------------------------------------------------------------------------------
// Reading marks out of Yjs text

interface DeltaOp {
	insert?: unknown;
	attributes?: Record<string, unknown>;
}

/**
 * A mark's attributes in a Yjs text run. y-prosemirror names overlapping marks `name--hash`;
 * ours never overlap themselves, but a run written by another editor version might be hashed.
 */
export function markOf(attributes: Record<string, unknown> | undefined, mark: string): SuggestionMarkAttrs | null {
	if (!attributes) return null;
	for (const [key, value] of Object.entries(attributes)) {
		if (key !== mark && !key.startsWith(`${mark}--`)) continue;
		if (value && typeof value === 'object' && 'id' in value && typeof value.id === 'string') {
			const author = 'author' in value && typeof value.author === 'string' ? value.author : AI_AUTHOR;
			return { id: value.id, author };
		}
	}
	return null;
}

/** Is this run text proposed for adding (by any suggestion)? Such text is not in the document yet. */
export function isPendingInsert(attributes: Record<string, unknown> | undefined): boolean {
	return markOf(attributes, SUGGESTION_INSERT) !== null;
}

type Coverage = 'yes' | 'no' | 'neutral';

/**
 * Does `predicate` hold for all the text of `node` ('yes'), not for some ('no'), or is there no
 * text at all ('neutral': an empty paragraph, a rule)? A block that is 'yes' for "pending
 * insert" exists only as a suggestion.
 */
export function coverage(
	node: unknown,
	predicate: (attributes: Record<string, unknown> | undefined) => boolean
): Coverage {
	if (node instanceof Y.XmlText) {
		let any = false;
		for (const op of node.toDelta() as DeltaOp[]) {
			if (typeof op.insert !== 'string' || op.insert.length === 0) continue;
			if (!predicate(op.attributes)) return 'no';
			any = true;
		}
		return any ? 'yes' : 'neutral';
	}
	if (!(node instanceof Y.XmlElement)) return 'neutral';
	let result: Coverage = 'neutral';
	for (const child of node.toArray()) {
		const c = coverage(child, predicate);
		if (c === 'no') return 'no';
		if (c === 'yes') result = 'yes';
	}
	return result;
}

/** Ids of the suggestions whose marks are in the fragment now (pending, whatever the map says). */
export function pendingSuggestionIds(fragment: Y.XmlFragment): Set<string> {
	const ids = new Set<string>();
	const visit = (node: unknown) => {
		if (node instanceof Y.XmlText) {
			for (const op of node.toDelta() as DeltaOp[]) {
				for (const mark of [SUGGESTION_INSERT, SUGGESTION_DELETE]) {
					const attrs = markOf(op.attributes, mark);
					if (attrs) ids.add(attrs.id);
				}
			}
		} else if (node instanceof Y.XmlElement || node instanceof Y.XmlFragment) {
			for (const child of node.toArray()) visit(child);
		}
	};
	visit(fragment);
	return ids;
}

export interface PendingSuggestion {
	id: string;
	meta: SuggestionMeta | null;
	/** The proposed text (what accepting adds), blocks joined by new lines. */
	inserted: string;
	/** The text accepting removes. */
	removed: string;
}

/** The pending suggestions of a fragment, in document order, with their text and map entry. */
export function listPendingSuggestions(doc: Y.Doc, fragment: Y.XmlFragment): PendingSuggestion[] {
	const metas = readSuggestionMetas(doc);
	const byId = new Map<string, { inserted: string[]; removed: string[] }>();
	const visit = (node: unknown) => {
		if (node instanceof Y.XmlText) {
			for (const op of node.toDelta() as DeltaOp[]) {
				if (typeof op.insert !== 'string') continue;
				for (const [mark, key] of [
					[SUGGESTION_INSERT, 'inserted'],
					[SUGGESTION_DELETE, 'removed']
				] as const) {
					const attrs = markOf(op.attributes, mark);
					if (!attrs) continue;
					let entry = byId.get(attrs.id);
					if (!entry) byId.set(attrs.id, (entry = { inserted: [], removed: [] }));
					entry[key].push(op.insert);
				}
			}
		} else if (node instanceof Y.XmlElement || node instanceof Y.XmlFragment) {
			const before = new Map([...byId].map(([id, e]) => [id, e.inserted.length + e.removed.length]));
			for (const child of node.toArray()) visit(child);
			// One line per block: a new line after each block that added text to a suggestion.
			if (node instanceof Y.XmlElement && node.toArray().some((c) => c instanceof Y.XmlText)) {
				for (const [id, e] of byId) {
					if ((before.get(id) ?? 0) === e.inserted.length + e.removed.length) continue;
					if (e.inserted.length) e.inserted.push('\n');
					if (e.removed.length) e.removed.push('\n');
				}
			}
		}
	};
	visit(fragment);
	const tidy = (parts: string[]) =>
		parts
			.join('')
			.replace(/\n{2,}/g, '\n')
			.trim();
	return [...byId].map(([id, e]) => ({
		id,
		meta: metas.get(id) ?? null,
		inserted: tidy(e.inserted),
		removed: tidy(e.removed)
	}));
}

// ---------------------------------------------------------------------------------------------
// Writing suggestions

/** One block of a suggested draft. */
export type SuggestedBlock =
	| { type: 'heading'; level: 2 | 3; text: string }
	| { type: 'paragraph'; text: string }
	| { type: 'bulletList'; items: string[] };

export interface SuggestedSection {
	id: string;
	label: string;
	blocks: SuggestedBlock[];
}

function suggestedText(text: string, id: string): Y.XmlText {
	const node = new Y.XmlText();
	node.insert(0, text, { [SUGGESTION_INSERT]: { id, author: AI_AUTHOR } });
	return node;
}

/**
 * Sets an XML attribute the way y-prosemirror writes node attributes: a heading's level is a
 * number. (Yjs' typings allow only strings by default; its encoding takes any JSON value.)
 */
function setAttribute(element: Y.XmlElement, key: string, value: string | number): void {
	(element as Y.XmlElement<{ [key: string]: string | number }>).setAttribute(key, value);
}

function textBlock(
	name: string,
	text: string,
	id: string,
	attributes: { [key: string]: string | number } = {}
): Y.XmlElement {
	const element = new Y.XmlElement(name);
	for (const [key, value] of Object.entries(attributes)) setAttribute(element, key, value);
	element.insert(0, [suggestedText(text, id)]);
	return element;
}

/** The Tiptap (ProseMirror) nodes of one block, every text in it marked as suggested by `id`. */
function blockNodes(block: SuggestedBlock, id: string): Y.XmlElement {
	if (block.type === 'heading') return textBlock('heading', block.text, id, { level: block.level });
	if (block.type === 'paragraph') return textBlock('paragraph', block.text, id);
	const list = new Y.XmlElement('bulletList');
	list.insert(
		0,
		block.items.map((item) => {
			const li = new Y.XmlElement('listItem');
			li.insert(0, [textBlock('paragraph', item, id)]);
			return li;
		})
	);
	return list;
}

/**
 * Appends a suggested draft after everything in the document — nothing people wrote is touched —
 * as one suggestion per section, each accepted or rejected on its own. Does nothing (false) when
 * a suggestion of `group` was put in before: the job that writes a draft may run twice.
 */
export function appendSuggestedDraft(
	doc: Y.Doc,
	fragment: Y.XmlFragment,
	draft: {
		group: string;
		sections: SuggestedSection[];
		meta: Omit<SuggestionMeta, 'id' | 'group' | 'label' | 'status' | 'kind' | 'decidedAt'>;
	}
): boolean {
	let inserted = false;
	doc.transact(() => {
		if (hasSuggestionGroup(doc, draft.group)) return;
		const map = suggestionsMap(doc);
		for (const section of draft.sections) {
			if (section.blocks.length === 0) continue;
			fragment.push(section.blocks.map((block) => blockNodes(block, section.id)));
			const meta: SuggestionMeta = {
				...draft.meta,
				id: section.id,
				group: draft.group,
				kind: 'draft',
				label: section.label,
				status: 'pending',
				decidedAt: null
			};
			map.set(section.id, meta);
		}
		inserted = true;
	});
	return inserted;
}

/** Records a suggestion (its marks are written by the editor) in the map. */
export function recordSuggestion(doc: Y.Doc, meta: SuggestionMeta): void {
	suggestionsMap(doc).set(meta.id, meta);
}

/**
 * Accepts or rejects suggestion `id` in one transaction: the text that goes is deleted (with
 * blocks that held only it), the marks of the text that stays are removed, the map records the
 * decision. Returns false when the suggestion has no text in the document (decided elsewhere).
 */
export function resolveSuggestion(
	doc: Y.Doc,
	fragment: Y.XmlFragment,
	id: string,
	decision: SuggestionDecision,
	now = new Date()
): boolean {
	const drop = decision === 'accept' ? SUGGESTION_DELETE : SUGGESTION_INSERT;
	const keep = decision === 'accept' ? SUGGESTION_INSERT : SUGGESTION_DELETE;
	const dropped = (attrs: Record<string, unknown> | undefined) => markOf(attrs, drop)?.id === id;
	let touched = false;

	const editText = (text: Y.XmlText) => {
		const runs: Array<{ at: number; length: number; op: DeltaOp }> = [];
		let at = 0;
		for (const op of text.toDelta() as DeltaOp[]) {
			const length = typeof op.insert === 'string' ? op.insert.length : 1;
			runs.push({ at, length, op });
			at += length;
		}
		// Back to front, so earlier offsets stay valid.
		for (const run of runs.reverse()) {
			if (dropped(run.op.attributes)) {
				text.delete(run.at, run.length);
				touched = true;
				continue;
			}
			const kept = Object.entries(run.op.attributes ?? {}).filter(
				([key, value]) =>
					(key === keep || key.startsWith(`${keep}--`)) &&
					typeof value === 'object' &&
					value !== null &&
					'id' in value &&
					value.id === id
			);
			if (kept.length) {
				text.format(run.at, run.length, Object.fromEntries(kept.map(([key]) => [key, null])));
				touched = true;
			}
		}
	};

	const visit = (parent: Y.XmlFragment | Y.XmlElement) => {
		const children = parent.toArray();
		for (let i = children.length - 1; i >= 0; i--) {
			const child = children[i];
			if (coverage(child, dropped) === 'yes') {
				parent.delete(i, 1);
				touched = true;
			} else if (child instanceof Y.XmlText) {
				editText(child);
			} else if (child instanceof Y.XmlElement) {
				const hadChildren = child.length > 0;
				visit(child);
				// A list or list item emptied by the deletions inside it goes too.
				if (
					hadChildren &&
					child.length === 0 &&
					['bulletList', 'orderedList', 'listItem', 'blockquote'].includes(child.nodeName)
				) {
					parent.delete(i, 1);
				}
			}
		}
	};

	doc.transact(() => {
		visit(fragment);
		const map = suggestionsMap(doc);
		const parsed = suggestionMetaSchema.safeParse(map.get(id));
		if (parsed.success && touched) {
			map.set(id, {
				...parsed.data,
				status: decision === 'accept' ? 'accepted' : 'rejected',
				decidedAt: now.toISOString()
			});
		}
	});
	return touched;
}

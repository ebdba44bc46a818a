import { Extension, Mark, mergeAttributes, type Editor } from '@tiptap/core';
import type { Node as PmNode } from '@tiptap/pm/model';
import { Plugin, PluginKey, type EditorState } from '@tiptap/pm/state';
import { Decoration, DecorationSet } from '@tiptap/pm/view';
import { AI_AUTHOR, SUGGESTION_DELETE, SUGGESTION_INSERT } from './suggestions';

/**
 * The editor side of suggestions (see ./suggestions.ts for the document side): the two marks in
 * Tiptap's schema, a highlight of the suggestion in focus, and offering a rewrite of a selection
 * as a suggestion. Every editor of a rich-text document loads these marks, so a document that
 * holds suggestions opens anywhere (a schema without them would drop the text).
 */

function suggestionAttributes() {
	return {
		id: {
			default: null,
			parseHTML: (element: HTMLElement) => element.getAttribute('data-suggestion-id'),
			renderHTML: (attributes: Record<string, unknown>) => ({ 'data-suggestion-id': attributes.id })
		},
		author: {
			default: AI_AUTHOR,
			parseHTML: (element: HTMLElement) => element.getAttribute('data-author') ?? AI_AUTHOR,
			renderHTML: (attributes: Record<string, unknown>) => ({ 'data-author': attributes.author })
		}
	};
}

/** Text proposed for adding: shown underlined in green, not part of the document until accepted. */
export const SuggestionInsert = Mark.create({
	name: SUGGESTION_INSERT,
	// Typing right after a suggestion is the typist's own text, not more of the suggestion.
	inclusive: false,
	excludes: `${SUGGESTION_INSERT} ${SUGGESTION_DELETE}`,
	addAttributes: suggestionAttributes,
	parseHTML: () => [{ tag: 'ins[data-suggestion-id]' }],
	renderHTML: ({ HTMLAttributes }) => [
		'ins',
		mergeAttributes(HTMLAttributes, {
			class: 'suggestion suggestion-insert',
			title: `Suggested by ${String(HTMLAttributes['data-author'] ?? AI_AUTHOR)}: accept or reject it above`
		}),
		0
	]
});

/** Text a suggestion would remove: shown struck through in red, still part of the document. */
export const SuggestionDelete = Mark.create({
	name: SUGGESTION_DELETE,
	inclusive: false,
	excludes: `${SUGGESTION_INSERT} ${SUGGESTION_DELETE}`,
	addAttributes: suggestionAttributes,
	parseHTML: () => [{ tag: 'del[data-suggestion-id]' }],
	renderHTML: ({ HTMLAttributes }) => [
		'del',
		mergeAttributes(HTMLAttributes, {
			class: 'suggestion suggestion-delete',
			title: `${String(HTMLAttributes['data-author'] ?? AI_AUTHOR)} suggests removing this`
		}),
		0
	]
});

const focusKey = new PluginKey<string | null>('suggestionFocus');

/** The id of the suggestion under the caret, if any. */
export function suggestionAtSelection(state: EditorState): string | null {
	const { $from } = state.selection;
	for (const mark of [...$from.marks(), ...($from.nodeAfter?.marks ?? [])]) {
		if (mark.type.name === SUGGESTION_INSERT || mark.type.name === SUGGESTION_DELETE) {
			return typeof mark.attrs.id === 'string' ? mark.attrs.id : null;
		}
	}
	return null;
}

/** Ranges of the text of suggestion `id`. */
export function suggestionRanges(doc: PmNode, id: string): Array<{ from: number; to: number }> {
	const ranges: Array<{ from: number; to: number }> = [];
	doc.descendants((node, pos) => {
		if (!node.isText) return;
		if (
			node.marks.some(
				(m) => (m.type.name === SUGGESTION_INSERT || m.type.name === SUGGESTION_DELETE) && m.attrs.id === id
			)
		) {
			ranges.push({ from: pos, to: pos + node.nodeSize });
		}
	});
	return ranges;
}

/** Sets (or clears) the suggestion shown in focus, e.g. the one hovered in the list. */
export function focusSuggestion(editor: Editor, id: string | null): void {
	editor.view.dispatch(editor.state.tr.setMeta(focusKey, { id }));
}

/**
 * Outlines the suggestion in focus: the one the list points at, else the one under the caret.
 * Decorations only — nothing of it is stored or sent to others.
 */
export const SuggestionFocus = Extension.create({
	name: 'suggestionFocus',
	addProseMirrorPlugins() {
		return [
			new Plugin<string | null>({
				key: focusKey,
				state: {
					init: () => null,
					apply(tr, value) {
						const meta = tr.getMeta(focusKey) as { id: string | null } | undefined;
						return meta ? meta.id : value;
					}
				},
				props: {
					decorations(state) {
						const id = focusKey.getState(state) ?? suggestionAtSelection(state);
						if (!id) return null;
						return DecorationSet.create(
							state.doc,
							suggestionRanges(state.doc, id).map((r) => Decoration.inline(r.from, r.to, { class: 'suggestion-focus' }))
						);
					}
				}
			})
		];
	}
});

/** Does the range hold text of a pending suggestion? */
export function rangeHasSuggestion(state: EditorState, from: number, to: number): boolean {
	let found = false;
	state.doc.nodesBetween(from, to, (node) => {
		if (node.isText && node.marks.some((m) => m.type.name === SUGGESTION_INSERT || m.type.name === SUGGESTION_DELETE)) {
			found = true;
		}
		return !found;
	});
	return found;
}

/**
 * The document's text as `textBetween(0, end, '\n')` gives it, with the document position of
 * every character (-1 for the new lines between blocks): offsets in the text map back to ranges.
 */
export function flattenText(doc: PmNode): { text: string; positions: number[] } {
	let text = '';
	const positions: number[] = [];
	doc.descendants((node, pos) => {
		if (node.isText && node.text) {
			text += node.text;
			for (let i = 0; i < node.text.length; i++) positions.push(pos + i);
		} else if (node.isBlock && text.length > 0 && !text.endsWith('\n')) {
			text += '\n';
			positions.push(-1);
		}
	});
	return { text, positions };
}

/** The document range of `text.slice(start, end)` of {@link flattenText}; null if it spans nothing. */
export function rangeOfOffsets(positions: number[], start: number, end: number): { from: number; to: number } | null {
	const inside = positions.slice(start, end).filter((p) => p >= 0);
	if (inside.length === 0 || start >= positions.length) return null;
	return { from: inside[0], to: inside[inside.length - 1] + 1 };
}

/**
 * Finds `text` again (the document may have changed while AI was at work): at `from` if it is
 * still there, else the occurrence nearest to it. Null when it is gone.
 */
export function relocate(
	doc: PmNode,
	text: string,
	from: number,
	to: number,
	options: { caseInsensitive?: boolean } = {}
): { from: number; to: number } | null {
	const same = (a: string) => (options.caseInsensitive ? a.toLowerCase() === text.toLowerCase() : a === text);
	if (from >= 0 && to <= doc.content.size && from < to && same(doc.textBetween(from, to, '\n'))) return { from, to };
	const flat = flattenText(doc);
	const haystack = options.caseInsensitive ? flat.text.toLowerCase() : flat.text;
	const needle = options.caseInsensitive ? text.toLowerCase() : text;
	let best: { from: number; to: number } | null = null;
	for (let at = haystack.indexOf(needle); at >= 0 && needle; at = haystack.indexOf(needle, at + 1)) {
		const range = rangeOfOffsets(flat.positions, at, at + needle.length);
		if (!range) continue;
		if (!best || Math.abs(range.from - from) < Math.abs(best.from - from)) best = range;
	}
	return best;
}

/**
 * Offers `replacement` for the text between `from` and `to` as suggestion `id`: the old text is
 * marked for removal and the new text inserted after it, marked as proposed. A one-line
 * replacement goes inline; several lines (or a list) become blocks after the selection's block.
 */
export function suggestReplacement(
	editor: Editor,
	range: { from: number; to: number },
	replacement: string,
	id: string
): void {
	const { state } = editor;
	const { schema } = state;
	const insertMark = schema.marks[SUGGESTION_INSERT].create({ id, author: AI_AUTHOR });
	const deleteMark = schema.marks[SUGGESTION_DELETE].create({ id, author: AI_AUTHOR });
	const lines = replacement
		.split('\n')
		.map((l) => l.trim())
		.filter(Boolean);
	const tr = state.tr.addMark(range.from, range.to, deleteMark);
	const $to = state.doc.resolve(range.to);
	if (lines.length <= 1) {
		tr.insert(range.to, schema.text(lines[0] ?? replacement.trim(), [insertMark]));
	} else {
		const bullets = lines.every((l) => /^[-*•]\s+/.test(l));
		const paragraph = (text: string) => schema.nodes.paragraph.create(null, schema.text(text, [insertMark]));
		const blocks = bullets
			? [
					schema.nodes.bulletList.create(
						null,
						lines.map((l) => schema.nodes.listItem.create(null, paragraph(l.replace(/^[-*•]\s+/, ''))))
					)
				]
			: lines.map(paragraph);
		// After the textblock the selection ends in (inside a list item, after its paragraph).
		tr.insert($to.depth > 0 ? $to.after($to.depth) : range.to, blocks);
	}
	editor.view.dispatch(tr.scrollIntoView());
}

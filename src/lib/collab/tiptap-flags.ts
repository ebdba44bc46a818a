import { Extension, type Editor } from '@tiptap/core';
import { Plugin, PluginKey, type EditorState } from '@tiptap/pm/state';
import { Decoration, DecorationSet } from '@tiptap/pm/view';
import type { InclusiveCategory } from '../domain/inclusive-language';
import { flattenText, rangeOfOffsets } from './tiptap-suggestions';

/**
 * The inclusive-language check in the editor: the flags the API found, underlined where they
 * are and kept in place as people type (also when others' edits move the text), each replaced
 * by one of its alternatives on request. Decorations only: nothing is stored in the document.
 */

/** A flag as the check answers it (offsets into the text that was sent). */
export interface CheckedFlag {
	text: string;
	start: number;
	end: number;
	category: InclusiveCategory;
	alternatives: string[];
	why: string;
}

/** A flag where it is in the document now. */
export interface EditorFlag extends Omit<CheckedFlag, 'start' | 'end'> {
	key: number;
	from: number;
	to: number;
}

interface FlagState {
	flags: EditorFlag[];
	decorations: DecorationSet;
}

type FlagMeta = { set: EditorFlag[] } | { remove: number };

const flagsKey = new PluginKey<FlagState>('inclusiveFlags');

function decorate(state: EditorState | { doc: EditorState['doc'] }, flags: EditorFlag[]): DecorationSet {
	return DecorationSet.create(
		state.doc,
		flags.map((f) =>
			Decoration.inline(f.from, f.to, {
				class: 'inclusive-flag',
				'data-flag': String(f.key),
				title: `${f.why} Try: ${f.alternatives.join(', ')}`
			})
		)
	);
}

/** The text to check (what the editor shows), with the map back to document positions. */
export function textForCheck(editor: Editor) {
	return flattenText(editor.state.doc);
}

/** The flags as they are now. */
export function flagsOf(state: EditorState): EditorFlag[] {
	return flagsKey.getState(state)?.flags ?? [];
}

/** Shows the flags the check found for `positions` (from {@link textForCheck} at the time). */
export function showFlags(editor: Editor, flags: CheckedFlag[], positions: number[]): void {
	const placed: EditorFlag[] = [];
	flags.forEach((flag, key) => {
		const range = rangeOfOffsets(positions, flag.start, flag.end);
		if (!range) return;
		placed.push({
			key,
			text: flag.text,
			category: flag.category,
			alternatives: flag.alternatives,
			why: flag.why,
			...range
		});
	});
	editor.view.dispatch(editor.state.tr.setMeta(flagsKey, { set: placed } satisfies FlagMeta));
}

export function clearFlags(editor: Editor): void {
	editor.view.dispatch(editor.state.tr.setMeta(flagsKey, { set: [] } satisfies FlagMeta));
}

/** The alternative written like the words it replaces (capitalised at the start of a sentence). */
function likeOriginal(original: string, alternative: string): string {
	if (/^\p{Lu}/u.test(original) && !/^\p{Lu}{2,}/u.test(original)) {
		return alternative.charAt(0).toUpperCase() + alternative.slice(1);
	}
	return alternative;
}

/** Replaces a flagged phrase with `alternative` (an ordinary edit, shared live). */
export function replaceFlag(editor: Editor, key: number, alternative: string): boolean {
	const flag = flagsOf(editor.state).find((f) => f.key === key);
	if (!flag) return false;
	const current = editor.state.doc.textBetween(flag.from, flag.to, '\n');
	if (current.toLowerCase() !== flag.text.toLowerCase()) return false;
	const tr = editor.state.tr.insertText(likeOriginal(current, alternative), flag.from, flag.to);
	tr.setMeta(flagsKey, { remove: key } satisfies FlagMeta);
	editor.view.dispatch(tr);
	return true;
}

export function dismissFlag(editor: Editor, key: number): void {
	editor.view.dispatch(editor.state.tr.setMeta(flagsKey, { remove: key } satisfies FlagMeta));
}

/**
 * Finds each flag again after a change: where its mapped range still reads the same words, else
 * the nearest occurrence of them (a remote edit replaces the whole document in y-prosemirror, so
 * mapping alone loses them), else the flag is dropped — its words are gone.
 */
function relocateAll(
	state: EditorState,
	flags: EditorFlag[],
	map: (pos: number, assoc: number) => number
): EditorFlag[] {
	const flat = flattenText(state.doc);
	const lower = flat.text.toLowerCase();
	const out: EditorFlag[] = [];
	for (const flag of flags) {
		const from = map(flag.from, 1);
		const to = map(flag.to, -1);
		if (from < to && state.doc.textBetween(from, to, '\n').toLowerCase() === flag.text.toLowerCase()) {
			out.push({ ...flag, from, to });
			continue;
		}
		const needle = flag.text.toLowerCase();
		let best: { from: number; to: number } | null = null;
		for (let at = lower.indexOf(needle); at >= 0; at = lower.indexOf(needle, at + 1)) {
			const range = rangeOfOffsets(flat.positions, at, at + needle.length);
			if (range && (!best || Math.abs(range.from - flag.from) < Math.abs(best.from - flag.from))) best = range;
		}
		const found = best;
		if (found && !out.some((f) => f.from === found.from)) out.push({ ...flag, ...found });
	}
	return out;
}

export const InclusiveFlags = Extension.create({
	name: 'inclusiveFlags',
	addProseMirrorPlugins() {
		return [
			new Plugin<FlagState>({
				key: flagsKey,
				state: {
					init: (_config, state) => ({ flags: [], decorations: DecorationSet.create(state.doc, []) }),
					apply(tr, value, _old, state) {
						const meta = tr.getMeta(flagsKey) as FlagMeta | undefined;
						let flags = value.flags;
						if (tr.docChanged && flags.length > 0) {
							flags = relocateAll(state, flags, (pos, assoc) => tr.mapping.map(pos, assoc));
						}
						if (meta && 'set' in meta) flags = meta.set;
						if (meta && 'remove' in meta) flags = flags.filter((f) => f.key !== meta.remove);
						if (flags === value.flags && !tr.docChanged) return value;
						return { flags, decorations: decorate(state, flags) };
					}
				},
				props: {
					decorations: (state) => flagsKey.getState(state)?.decorations ?? null
				}
			})
		];
	}
});

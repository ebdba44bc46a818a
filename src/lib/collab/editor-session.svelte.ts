import type { Editor } from '@tiptap/core';
import type * as Y from 'yjs';
import type { PendingSuggestion, SuggestionDecision, SuggestionMeta } from './suggestions';
import type { CheckedFlag, EditorFlag } from './tiptap-flags';

/** The editor modules a session works with, handed over once the editor has loaded them. */
export interface EditorModules {
	suggestions: typeof import('./suggestions');
	marks: typeof import('./tiptap-suggestions');
	flags: typeof import('./tiptap-flags');
}

/**
 * One rich-text editor's live state for the tools around it (AI drafting, improve, the
 * inclusive-language check): the selection, the pending suggestions and the flags, reactive.
 * The editor and its modules load lazily (see collab-editor.svelte), so everything here waits
 * for `attach` and works on nothing before it.
 */
export class EditorSession {
	editor = $state.raw<Editor | null>(null);
	readOnly = $state(false);
	live = $state(false);
	selection = $state({ from: 0, to: 0, empty: true, text: '' });
	/** The selection holds text of a pending suggestion (it cannot be rewritten again). */
	selectionInSuggestion = $state(false);
	suggestions = $state.raw<PendingSuggestion[]>([]);
	flags = $state.raw<EditorFlag[]>([]);
	/** The suggestion under the caret. */
	current = $state<string | null>(null);

	#doc: Y.Doc | null = null;
	#modules: EditorModules | null = null;
	#release: Array<() => void> = [];

	attach(editor: Editor, doc: Y.Doc, modules: EditorModules): void {
		this.editor = editor;
		this.#doc = doc;
		this.#modules = modules;
		const onUpdate = () => this.#refreshSuggestions();
		doc.on('update', onUpdate);
		const onTransaction = () => this.#refreshEditor();
		editor.on('transaction', onTransaction);
		editor.on('selectionUpdate', onTransaction);
		this.#release.push(
			() => doc.off('update', onUpdate),
			() => editor.off('transaction', onTransaction),
			() => editor.off('selectionUpdate', onTransaction)
		);
		this.#refreshSuggestions();
		this.#refreshEditor();
	}

	detach(): void {
		for (const release of this.#release.splice(0)) release();
		this.editor = null;
		this.#doc = null;
		this.#modules = null;
		this.suggestions = [];
		this.flags = [];
	}

	#fragment(): Y.XmlFragment | null {
		// The field Tiptap's Collaboration extension uses by default.
		return this.#doc?.getXmlFragment('default') ?? null;
	}

	#refreshSuggestions() {
		const fragment = this.#fragment();
		if (!this.#doc || !fragment || !this.#modules) return;
		this.suggestions = this.#modules.suggestions.listPendingSuggestions(this.#doc, fragment);
	}

	#refreshEditor() {
		const editor = this.editor;
		const modules = this.#modules;
		if (!editor || !modules) return;
		const { from, to, empty } = editor.state.selection;
		const text = empty ? '' : editor.state.doc.textBetween(from, to, '\n');
		if (from !== this.selection.from || to !== this.selection.to || text !== this.selection.text) {
			this.selection = { from, to, empty, text };
		}
		this.selectionInSuggestion = !empty && modules.marks.rangeHasSuggestion(editor.state, from, to);
		this.current = modules.marks.suggestionAtSelection(editor.state);
		const flags = modules.flags.flagsOf(editor.state);
		if (flags !== this.flags) this.flags = flags;
	}

	/** Accepts or rejects a suggestion (one change of the shared document, seen by everyone). */
	decide(id: string, decision: SuggestionDecision): boolean {
		const fragment = this.#fragment();
		if (!this.#doc || !fragment || !this.#modules || this.readOnly) return false;
		return this.#modules.suggestions.resolveSuggestion(this.#doc, fragment, id, decision);
	}

	/** Accepts or rejects every pending suggestion of a kind (or all). */
	decideAll(decision: SuggestionDecision): number {
		let n = 0;
		for (const s of this.suggestions) if (this.decide(s.id, decision)) n += 1;
		return n;
	}

	/** Outlines a suggestion in the text (hovering it in the list), or clears the outline. */
	focus(id: string | null): void {
		if (this.editor && this.#modules) this.#modules.marks.focusSuggestion(this.editor, id);
	}

	/** Puts the caret into a suggestion's first range and scrolls it into view. */
	reveal(id: string): void {
		const editor = this.editor;
		if (!editor || !this.#modules) return;
		const [first] = this.#modules.marks.suggestionRanges(editor.state.doc, id);
		if (first) editor.chain().focus().setTextSelection(first.from).scrollIntoView().run();
	}

	/**
	 * Offers `replacement` for what was selected (`range` with its `text` at the time) as a
	 * suggestion, recorded with `meta`. False when that text is no longer in the document.
	 */
	suggestReplacement(
		range: { from: number; to: number; text: string },
		replacement: string,
		meta: Omit<SuggestionMeta, 'kind' | 'status' | 'decidedAt'>
	): boolean {
		const editor = this.editor;
		const modules = this.#modules;
		if (!editor || !modules || !this.#doc || this.readOnly) return false;
		const where = modules.marks.relocate(editor.state.doc, range.text, range.from, range.to);
		if (!where || modules.marks.rangeHasSuggestion(editor.state, where.from, where.to)) return false;
		// The map entry first: the list never shows the suggestion without its label and source.
		modules.suggestions.recordSuggestion(this.#doc, { ...meta, kind: 'improve', status: 'pending', decidedAt: null });
		modules.marks.suggestReplacement(editor, where, replacement, meta.id);
		return true;
	}

	/** The text to send to the inclusive-language check, with the map back into the document. */
	textForCheck(): { text: string; positions: number[] } | null {
		if (!this.editor || !this.#modules) return null;
		return this.#modules.flags.textForCheck(this.editor);
	}

	showFlags(flags: CheckedFlag[], positions: number[]): void {
		if (this.editor && this.#modules) this.#modules.flags.showFlags(this.editor, flags, positions);
	}

	clearFlags(): void {
		if (this.editor && this.#modules) this.#modules.flags.clearFlags(this.editor);
	}

	replaceFlag(key: number, alternative: string): boolean {
		if (!this.editor || !this.#modules || this.readOnly) return false;
		return this.#modules.flags.replaceFlag(this.editor, key, alternative);
	}

	dismissFlag(key: number): void {
		if (this.editor && this.#modules) this.#modules.flags.dismissFlag(this.editor, key);
	}

	/** Scrolls to a flag and selects it. */
	revealFlag(key: number): void {
		const flag = this.flags.find((f) => f.key === key);
		if (flag && this.editor)
			this.editor.chain().focus().setTextSelection({ from: flag.from, to: flag.to }).scrollIntoView().run();
	}
}

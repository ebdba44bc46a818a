import type * as Y from 'yjs';
import { fragmentToText } from './rich-text';

/**
 * `notes:<userId>` — a user's private scratch notes: one Tiptap (ProseMirror) fragment.
 * Only that user reads or writes it; their other sessions see each other's carets.
 */
export const NOTES_FIELD = 'default';

export function notesFragment(doc: Y.Doc): Y.XmlFragment {
	return doc.getXmlFragment(NOTES_FIELD);
}

/** The plain text of the notes (one line per block). */
export function notesText(doc: Y.Doc): string {
	return fragmentToText(notesFragment(doc));
}

/** Plain text of a ProseMirror fragment stored in Yjs: one line per top-level block. */
export { fragmentToText as fragmentText } from './rich-text';

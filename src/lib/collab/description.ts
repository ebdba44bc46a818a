import type * as Y from 'yjs';
import { fragmentToHtml, fragmentToText } from './rich-text';

/**
 * `requirement:<id>:description` — the job description, one Tiptap fragment. Edited live by
 * whoever may edit the requirement; read live by everyone else who may read it. The sync server
 * renders it into the requirement row (description_html / description_text).
 */
export const DESCRIPTION_FIELD = 'default';

export function descriptionFragment(doc: Y.Doc): Y.XmlFragment {
	return doc.getXmlFragment(DESCRIPTION_FIELD);
}

export function renderDescription(doc: Y.Doc): { html: string; text: string } {
	const fragment = descriptionFragment(doc);
	return { html: fragmentToHtml(fragment), text: fragmentToText(fragment) };
}

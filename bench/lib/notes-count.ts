import * as Y from 'yjs';
import { notesFragment } from '../../src/lib/collab/notes';

/**
 * Every character in the notes' text nodes, spaces included (notesText trims each block, so it
 * cannot count what was typed).
 */
export function typedCharacters(doc: Y.Doc): number {
	let count = 0;
	const walk = (node: Y.XmlFragment | Y.XmlElement) => {
		for (const child of node.toArray()) {
			if (child instanceof Y.XmlText) count += child.length;
			else if (child instanceof Y.XmlElement) walk(child);
		}
	};
	walk(notesFragment(doc));
	return count;
}

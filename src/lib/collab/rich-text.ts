import * as Y from 'yjs';
import { coverage, isPendingInsert } from './suggestions';

/**
 * Renders a Tiptap/ProseMirror document stored in Yjs to HTML and to plain text, for search and
 * for job postings. The HTML is built from an allow-list — known block nodes, known marks, and
 * only http(s)/mailto link targets — and every text is escaped, so it is safe by construction
 * whatever a client wrote into the document.
 */

const BLOCKS: Record<string, (attrs: Record<string, unknown>) => [string, string]> = {
	paragraph: () => ['<p>', '</p>'],
	heading: (a) => {
		const level = Math.min(6, Math.max(1, Number(a.level) || 2));
		return [`<h${level}>`, `</h${level}>`];
	},
	bulletList: () => ['<ul>', '</ul>'],
	orderedList: (a) => {
		const start = Number(a.start);
		return [Number.isInteger(start) && start > 1 ? `<ol start="${start}">` : '<ol>', '</ol>'];
	},
	listItem: () => ['<li>', '</li>'],
	blockquote: () => ['<blockquote>', '</blockquote>'],
	codeBlock: () => ['<pre><code>', '</code></pre>']
};

const VOID_BLOCKS: Record<string, string> = { horizontalRule: '<hr>', hardBreak: '<br>' };

const MARKS: Array<[string, string, string]> = [
	['bold', '<strong>', '</strong>'],
	['italic', '<em>', '</em>'],
	['underline', '<u>', '</u>'],
	['strike', '<s>', '</s>'],
	['code', '<code>', '</code>']
];

export function escapeHtml(value: string): string {
	return value
		.replace(/&/g, '&amp;')
		.replace(/</g, '&lt;')
		.replace(/>/g, '&gt;')
		.replace(/"/g, '&quot;')
		.replace(/'/g, '&#39;');
}

function safeHref(value: unknown): string | null {
	if (typeof value !== 'string') return null;
	try {
		const url = new URL(value);
		return ['http:', 'https:', 'mailto:'].includes(url.protocol) ? url.href : null;
	} catch {
		return null;
	}
}

interface DeltaOp {
	insert?: unknown;
	attributes?: Record<string, unknown>;
}

function textHtml(text: Y.XmlText): string {
	let out = '';
	for (const op of text.toDelta() as DeltaOp[]) {
		if (typeof op.insert !== 'string') continue;
		const attrs = op.attributes ?? {};
		// Text proposed by a suggestion (an AI draft) is not part of the document until accepted.
		if (isPendingInsert(attrs)) continue;
		let html = escapeHtml(op.insert);
		for (const [mark, open, close] of MARKS) if (attrs[mark]) html = open + html + close;
		const link = attrs.link as { href?: unknown } | undefined;
		const href = link ? safeHref(link.href) : null;
		if (href) html = `<a href="${escapeHtml(href)}" rel="nofollow noopener noreferrer">${html}</a>`;
		out += html;
	}
	return out;
}

/**
 * The children that are part of the document: a block that exists only as a suggestion (the
 * heading, list or paragraph of an AI draft not yet accepted) is left out whole.
 */
function visibleChildren(parent: Y.XmlFragment | Y.XmlElement): unknown[] {
	return parent.toArray().filter((child) => coverage(child, isPendingInsert) !== 'yes');
}

function nodeHtml(node: unknown): string {
	if (node instanceof Y.XmlText) return textHtml(node);
	if (!(node instanceof Y.XmlElement)) return '';
	const name = node.nodeName;
	if (VOID_BLOCKS[name]) return VOID_BLOCKS[name];
	const inner = visibleChildren(node)
		.map((child) => nodeHtml(child))
		.join('');
	const block = BLOCKS[name];
	if (!block) return inner; // unknown node: keep its text, drop the wrapper
	const [open, close] = block(node.getAttributes());
	return open + inner + close;
}

function isEmptyParagraph(node: unknown): boolean {
	return (
		node instanceof Y.XmlElement &&
		node.nodeName === 'paragraph' &&
		node.toArray().every((child) => child instanceof Y.XmlText && child.length === 0)
	);
}

/**
 * Sanitised HTML of a rich-text fragment. Empty paragraphs at the end are left out: the editor
 * keeps one after a trailing list or heading (Tiptap's trailing node) — nothing anyone wrote.
 */
export function fragmentToHtml(fragment: Y.XmlFragment): string {
	const nodes = visibleChildren(fragment);
	while (nodes.length > 0 && isEmptyParagraph(nodes[nodes.length - 1])) nodes.pop();
	return nodes.map((node) => nodeHtml(node)).join('');
}

function nodeText(node: unknown): string {
	if (node instanceof Y.XmlText) {
		return (node.toDelta() as DeltaOp[])
			.filter((op) => !isPendingInsert(op.attributes))
			.map((op) => (typeof op.insert === 'string' ? op.insert : ''))
			.join('');
	}
	if (!(node instanceof Y.XmlElement)) return '';
	if (node.nodeName === 'hardBreak') return '\n';
	const children = visibleChildren(node);
	const isContainer = ['bulletList', 'orderedList', 'listItem', 'blockquote'].includes(node.nodeName);
	return children.map((child) => nodeText(child)).join(isContainer ? '\n' : '');
}

/** Plain text of a rich-text fragment: one line per block. */
export function fragmentToText(fragment: Y.XmlFragment): string {
	return visibleChildren(fragment)
		.map((node) => nodeText(node))
		.join('\n')
		.replace(/\n{3,}/g, '\n\n')
		.trim();
}

import type { ReceivedMail } from './app';

/** Headers of one MIME entity (unfolded, names lower-cased) and its raw body. */
function entity(raw: string): { headers: Record<string, string>; body: string } {
	const at = raw.search(/\r?\n\r?\n/);
	const head = at < 0 ? raw : raw.slice(0, at);
	const body = at < 0 ? '' : raw.slice(at).replace(/^\r?\n\r?\n/, '');
	const headers: Record<string, string> = {};
	for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
		const colon = line.indexOf(':');
		if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
	}
	return { headers, body };
}

function decode(body: string, encoding = ''): string {
	if (/quoted-printable/i.test(encoding)) {
		const bytes = body
			.replace(/=\r?\n/g, '')
			.replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
		return Buffer.from(bytes, 'latin1').toString('utf8');
	}
	if (/base64/i.test(encoding)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
	return body;
}

/** Every leaf part of a message by content type (text/plain, text/html…), decoded. */
export function mimeParts(raw: string): Record<string, string> {
	const parts: Record<string, string> = {};
	const walk = (text: string) => {
		const { headers, body } = entity(text);
		const type = headers['content-type'] ?? 'text/plain';
		const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
		if (/^multipart\//i.test(type) && boundary) {
			for (const part of body.split(`--${boundary}`).slice(1)) {
				if (part.startsWith('--')) break;
				walk(part.replace(/^\r?\n/, ''));
			}
			return;
		}
		const mime = type.split(';')[0].trim().toLowerCase();
		parts[mime] = decode(body, headers['content-transfer-encoding']).replace(/\r\n/g, '\n');
	};
	walk(raw);
	return parts;
}

/** The decoded Subject header (RFC 2047 encoded words are joined back into text). */
export function decodedSubject(mail: ReceivedMail): string {
	return mail.subject
		.replace(/\?=\s+=\?/g, '?==?')
		.replace(/=\?([^?]+)\?([BQ])\?([^?]*)\?=/gi, (_, _charset: string, kind: string, text: string) =>
			kind.toUpperCase() === 'B'
				? Buffer.from(text, 'base64').toString('utf8')
				: Buffer.from(
						text
							.replace(/_/g, ' ')
							.replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
						'latin1'
					).toString('utf8')
		);
}

/** A file download: right type, a safe file name, never sniffed, framable only by our own pages. */
export function fileResponse(bytes: Uint8Array, fileName: string, mimeType: string, inline: boolean): Response {
	const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
	return new Response(new Blob([new Uint8Array(bytes)]), {
		headers: {
			'content-type': mimeType,
			'content-length': String(bytes.byteLength),
			'content-disposition': `${inline ? 'inline' : 'attachment'}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`,
			'cache-control': 'private, no-store',
			'x-content-type-options': 'nosniff',
			// The profile page shows PDFs inline in a frame: same origin only, and nothing runs.
			'content-security-policy': "default-src 'none'; frame-ancestors 'self'; sandbox",
			'x-frame-options': 'SAMEORIGIN'
		}
	});
}

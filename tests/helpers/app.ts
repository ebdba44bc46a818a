import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { uniqueRedisPrefix } from './runtime';

export interface RunningProcess {
	child: ChildProcess;
	/** http://127.0.0.1:<port> */
	url: string;
	port: number;
	logs: string[];
	/** Sends SIGTERM and waits for the exit (graceful shutdown). */
	stop(signal?: NodeJS.Signals): Promise<number | null>;
	/** SIGKILL: no shutdown work at all. */
	kill(): Promise<void>;
	/** The JSON log lines so far, parsed (lines that are not JSON are left out). */
	jsonLogs(): Array<Record<string, any>>;
}

export interface StartOptions {
	/** Which build entry: the all-in-one app (`embedded`), `web`, `sync` or `worker`. */
	role?: 'embedded' | 'web' | 'sync' | 'worker';
	env?: Record<string, string>;
	/** Reuse a data folder (restarts). */
	dataDir?: string;
	timeoutMs?: number;
}

// The build the global setup made (HH_BUILD_DIR lets several builds live side by side).
const BUILD_DIR = process.env.HH_BUILD_DIR || 'build';
const ENTRIES = {
	embedded: `${BUILD_DIR}/main.js`,
	web: `${BUILD_DIR}/main.js`,
	sync: `${BUILD_DIR}/sync-server.js`,
	worker: `${BUILD_DIR}/worker.js`
};

/**
 * Starts a built process (`npm run build` output) on a free port and waits until it logs that
 * it listens. Its JSON log lines are kept in `logs`.
 */
export async function startProcess(options: StartOptions = {}): Promise<RunningProcess & { dataDir: string }> {
	const role = options.role ?? 'embedded';
	const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'hh-app-'));
	// A port chosen here (rather than PORT=0) works whatever port each entry reports in its log.
	const chosenPort = options.env?.PORT ?? String(await freePort());
	const child = spawn(process.execPath, [ENTRIES[role], role], {
		cwd: process.cwd(),
		env: {
			PATH: process.env.PATH,
			HOME: process.env.HOME,
			PORT: chosenPort,
			HOST: '127.0.0.1',
			DATA_DIR: dataDir,
			LOG_LEVEL: 'info',
			SECRET_KEY: 'test-secret-key-that-is-long-enough-0123456789',
			REDIS_PREFIX: uniqueRedisPrefix(),
			...options.env
		},
		stdio: ['ignore', 'pipe', 'pipe']
	});
	const logs: string[] = [];
	let exited: number | null | undefined;
	const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve((exited = code))));
	const port = await new Promise<number>((resolve, reject) => {
		const timer = setTimeout(
			() => reject(new Error(`${role} did not start in time:\n${logs.slice(-20).join('\n')}`)),
			options.timeoutMs ?? 60_000
		);
		const onLine = (line: string) => {
			logs.push(line);
			try {
				const entry = JSON.parse(line) as { port?: number; msg?: string };
				if (entry.port && /listening|running/.test(entry.msg ?? '')) {
					clearTimeout(timer);
					resolve(entry.port);
				}
			} catch {
				// not JSON
			}
		};
		let buffer = '';
		const onData = (chunk: Buffer) => {
			buffer += chunk.toString();
			let index;
			while ((index = buffer.indexOf('\n')) >= 0) {
				onLine(buffer.slice(0, index));
				buffer = buffer.slice(index + 1);
			}
		};
		child.stdout?.on('data', onData);
		child.stderr?.on('data', onData);
		void exit.then((code) => {
			clearTimeout(timer);
			reject(new Error(`${role} exited with ${code} before listening:\n${logs.slice(-30).join('\n')}`));
		});
	});
	return {
		child,
		port,
		url: `http://127.0.0.1:${port}`,
		logs,
		dataDir,
		async stop(signal: NodeJS.Signals = 'SIGTERM') {
			if (exited !== undefined) return exited;
			child.kill(signal);
			const timeout = new Promise<null>((resolve) =>
				setTimeout(() => {
					child.kill('SIGKILL');
					resolve(null);
				}, 20_000)
			);
			return Promise.race([exit, timeout]);
		},
		async kill() {
			if (exited !== undefined) return;
			child.kill('SIGKILL');
			await exit;
		},
		jsonLogs() {
			return logs.flatMap((line) => {
				try {
					const parsed: unknown = JSON.parse(line);
					return parsed && typeof parsed === 'object' ? [parsed as Record<string, any>] : [];
				} catch {
					return [];
				}
			});
		}
	};
}

/** A TCP port nobody listens on right now (bound to port 0, then released). */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			server.close(() => resolve(port));
		});
	});
}

/** Polls `check` until it returns a truthy value (returned) or `timeoutMs` passes (throws). */
export async function waitFor<T>(
	check: () => T | Promise<T>,
	{
		timeoutMs = 15_000,
		intervalMs = 50,
		message = 'condition'
	}: { timeoutMs?: number; intervalMs?: number; message?: string } = {}
): Promise<NonNullable<T>> {
	const deadline = Date.now() + timeoutMs;
	let last: unknown;
	for (;;) {
		try {
			const value = await check();
			if (value) return value as NonNullable<T>;
			last = value;
		} catch (err) {
			last = err;
		}
		if (Date.now() > deadline)
			throw new Error(`timed out after ${timeoutMs} ms waiting for ${message} (last: ${String(last)})`);
		await new Promise((resolve) => setTimeout(resolve, intervalMs));
	}
}

export interface ServerSentEvent {
	event: string;
	data: any;
}

/**
 * Opens GET /api/v1/events as a browser's EventSource would (with the session token) and parses
 * the stream. `next(predicate)` resolves with the first event, seen or yet to come, that matches.
 */
export function openEvents(baseUrl: string, token: string) {
	return openEventStream(baseUrl, token, '/events');
}

/** Opens any server-sent event stream of the API (`path` under /api/v1) and parses it, as `openEvents`. */
export async function openEventStream(baseUrl: string, token: string, path: string) {
	const abort = new AbortController();
	const response = await fetch(`${baseUrl}/api/v1${path}`, {
		headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
		signal: abort.signal
	});
	const events: ServerSentEvent[] = [];
	const waiters = new Set<() => void>();
	let ended = false;
	const pump = (async () => {
		if (!response.body) return;
		const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
		let buffer = '';
		try {
			for (;;) {
				const { value, done } = await reader.read();
				if (done) break;
				buffer += value;
				let index;
				while ((index = buffer.indexOf('\n\n')) >= 0) {
					const block = buffer.slice(0, index);
					buffer = buffer.slice(index + 2);
					let event = 'message';
					const data: string[] = [];
					for (const line of block.split('\n')) {
						if (line.startsWith('event:')) event = line.slice(6).trim();
						else if (line.startsWith('data:')) data.push(line.slice(5).trim());
					}
					if (data.length === 0) continue;
					events.push({ event, data: JSON.parse(data.join('\n')) });
					for (const wake of waiters) wake();
				}
			}
		} catch {
			// aborted
		} finally {
			ended = true;
			for (const wake of waiters) wake();
		}
	})();
	return {
		status: response.status,
		headers: response.headers,
		events,
		/** True once the server closed the stream. */
		get ended() {
			return ended;
		},
		next(predicate: (e: ServerSentEvent) => boolean, timeoutMs = 15_000): Promise<ServerSentEvent> {
			return new Promise((resolve, reject) => {
				const check = () => {
					const found = events.find(predicate);
					if (found) {
						cleanup();
						resolve(found);
					} else if (ended) {
						cleanup();
						reject(new Error(`the event stream ended; events: ${JSON.stringify(events)}`));
					}
				};
				const timer = setTimeout(() => {
					cleanup();
					reject(new Error(`no matching event in ${timeoutMs} ms; events: ${JSON.stringify(events)}`));
				}, timeoutMs);
				const cleanup = () => {
					clearTimeout(timer);
					waiters.delete(check);
				};
				waiters.add(check);
				check();
			});
		},
		async close() {
			abort.abort();
			await pump;
		}
	};
}

/** Creates the first account (super admin) through the public API and returns its client. */
export async function registerFirstAdmin(
	baseUrl: string,
	overrides: Partial<{ email: string; name: string; password: string }> = {}
) {
	const credentials = { email: 'owner@example.com', name: 'Olive Owner', password: 'owner password 123', ...overrides };
	const response = await apiClient(baseUrl).post('/auth/register', credentials);
	if (response.status !== 201) throw new Error(`register failed: ${response.status} ${JSON.stringify(response.body)}`);
	const token: string = response.body.data.token;
	return { ...credentials, token, user: response.body.data.user, api: apiClient(baseUrl, token) };
}

/** The workers' worth of a tiny JSON client for the public API. */
export function apiClient(baseUrl: string, token?: string) {
	async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
		const response = await fetch(`${baseUrl}/api/v1${path}`, {
			method,
			headers: {
				...(body === undefined ? {} : { 'content-type': 'application/json' }),
				...(token ? { authorization: `Bearer ${token}` } : {}),
				...headers
			},
			body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)
		});
		const text = await response.text();
		let json: unknown = null;
		try {
			json = JSON.parse(text);
		} catch {
			json = text;
		}
		return { status: response.status, headers: response.headers, body: json as Record<string, any> };
	}
	return {
		get: (path: string, headers?: Record<string, string>) => call('GET', path, undefined, headers),
		post: (path: string, body?: unknown, headers?: Record<string, string>) => call('POST', path, body ?? {}, headers),
		patch: (path: string, body: unknown, headers?: Record<string, string>) => call('PATCH', path, body, headers),
		delete: (path: string, headers?: Record<string, string>) => call('DELETE', path, undefined, headers),
		withToken: (t: string) => apiClient(baseUrl, t)
	};
}

export interface ReceivedMail {
	/** Envelope recipients (RCPT TO). */
	to: string[];
	from: string;
	subject: string;
	/** The text/plain part, decoded. */
	text: string;
	raw: string;
}

/** Headers of one MIME entity (unfolded, names lower-cased) and its body. */
function splitEntity(raw: string): { headers: Record<string, string>; body: string } {
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

function decodeBody(body: string, encoding = ''): string {
	if (/quoted-printable/i.test(encoding)) {
		const bytes = body
			.replace(/=\r?\n/g, '')
			.replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
		return Buffer.from(bytes, 'latin1').toString('utf8');
	}
	if (/base64/i.test(encoding)) return Buffer.from(body, 'base64').toString('utf8');
	return body;
}

/** The decoded text/plain part of a message (walking multipart bodies). */
function textPart(raw: string): string {
	const { headers, body } = splitEntity(raw);
	const type = headers['content-type'] ?? 'text/plain';
	const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
	if (/^multipart\//i.test(type) && boundary) {
		for (const part of body.split(`--${boundary}`).slice(1)) {
			if (part.startsWith('--')) break;
			const text = textPart(part.replace(/^\r?\n/, ''));
			if (text) return text;
		}
		return '';
	}
	return /^text\/plain/i.test(type)
		? decodeBody(body, headers['content-transfer-encoding']).replace(/\r\n/g, '\n')
		: '';
}

/** Parses a raw RFC 5322 message far enough for tests: subject and text. */
export function parseMail(raw: string, envelope: { to: string[]; from: string }): ReceivedMail {
	const { headers } = splitEntity(raw);
	return { ...envelope, subject: headers.subject ?? '', text: textPart(raw), raw };
}

/**
 * A real SMTP server (the `smtp-server` package) on a free local port, keeping what it receives.
 * `url` is what SMTP_URL should be.
 */
export async function startSmtpServer() {
	const { SMTPServer } = await import('smtp-server');
	const messages: ReceivedMail[] = [];
	const server = new SMTPServer({
		authOptional: true,
		disabledCommands: ['STARTTLS', 'AUTH'],
		logger: false,
		onData(stream, session, callback) {
			const chunks: Buffer[] = [];
			stream.on('data', (chunk: Buffer) => chunks.push(chunk));
			stream.on('end', () => {
				const envelope = {
					to: session.envelope.rcptTo.map((r) => r.address),
					from: session.envelope.mailFrom ? session.envelope.mailFrom.address : ''
				};
				messages.push(parseMail(Buffer.concat(chunks).toString('utf8'), envelope));
				callback();
			});
		}
	});
	const port = await freePort();
	await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
	return {
		url: `smtp://127.0.0.1:${port}`,
		messages,
		close: () => new Promise<void>((resolve) => server.close(() => resolve()))
	};
}

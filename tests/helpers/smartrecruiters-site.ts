import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { cvDocx, CVS } from './cvs';
import { DOCX_MIME, minimalPdf } from './fixtures';

/**
 * A small stand-in for SmartRecruiters that a real Chromium drives (issue 7, part 8): a login
 * form (session cookie), a job's candidate list in pages with a "next" link, profile pages, CV
 * downloads (real PDF and DOCX files from the CV fixtures) and, on demand, a CAPTCHA page that
 * replaces every page until it is cleared.
 */

export interface SiteCandidate {
	id: string;
	name: string;
	email: string;
	phone: string | null;
	location: string;
	title: string;
	company: string;
	cv: { bytes: Uint8Array; fileName: string; type: string } | null;
}

export interface SmartRecruitersSite {
	url: string;
	username: string;
	password: string;
	jobs: Record<string, SiteCandidate[]>;
	/** Every request: method and path. */
	requests: Array<{ method: string; path: string }>;
	logins: Array<{ username: string; ok: boolean }>;
	/** Profiles opened and CVs downloaded, by candidate id (counts). */
	profileViews: Map<string, number>;
	cvDownloads: Map<string, number>;
	/** Show the CAPTCHA page (instead of every page) from now on, or after `afterProfiles` more profile views. */
	triggerCaptcha(afterProfiles?: number): void;
	clearCaptcha(): void;
	captchaShown: number;
	close(): Promise<void>;
}

/** Candidates built from the CV fixtures: even ones with a PDF CV, odd ones with a DOCX. */
export function siteCandidates(count: number, prefix = 'sr'): SiteCandidate[] {
	return CVS.slice(0, count).map((cv, i) => ({
		id: `${prefix}-${1000 + i}`,
		name: cv.name,
		email: cv.email,
		phone: i % 2 ? null : `+49 30 5550${String(100 + i)}`,
		location: i % 2 ? 'Berlin, Germany' : 'Hamburg, Germany',
		title: cv.currentTitle,
		company: `Company ${i + 1}`,
		cv:
			i % 2
				? { bytes: cvDocx(cv.text), fileName: `${cv.name.replace(/\s+/g, '_')}.docx`, type: DOCX_MIME }
				: { bytes: minimalPdf(cv.text), fileName: `${cv.name.replace(/\s+/g, '_')}.pdf`, type: 'application/pdf' }
	}));
}

const escape = (s: string) =>
	s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function page(title: string, body: string): string {
	return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)} | SmartRecruiters</title></head><body>${body}</body></html>`;
}

function loginPage(error?: string): string {
	return page(
		'Sign in',
		`<main><h1>Sign in to SmartRecruiters</h1>
${error ? `<div role="alert" class="login-error">${escape(error)}</div>` : ''}
<form method="post" action="/login">
<label>Email <input type="email" name="email" autocomplete="username"></label>
<label>Password <input type="password" name="password" autocomplete="current-password"></label>
<button type="submit">Sign in</button>
</form></main>`
	);
}

const CAPTCHA_PAGE = page(
	'Security check',
	`<main><h1>Please verify you are a human</h1>
<div class="g-recaptcha" data-sitekey="6Lc-test"></div>
<p>We noticed unusual activity from your network.</p></main>`
);

async function readBody(req: IncomingMessage): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks).toString('utf8');
}

export async function startSmartRecruitersSite(options: {
	username: string;
	password: string;
	jobs: Record<string, SiteCandidate[]>;
	pageSize?: number;
}): Promise<SmartRecruitersSite> {
	const pageSize = options.pageSize ?? 3;
	const sessions = new Set<string>();
	const sockets = new Set<Socket>();
	let captcha = false;
	let captchaAfter: number | null = null;
	const site: SmartRecruitersSite = {
		url: '',
		username: options.username,
		password: options.password,
		jobs: options.jobs,
		requests: [],
		logins: [],
		profileViews: new Map(),
		cvDownloads: new Map(),
		captchaShown: 0,
		triggerCaptcha(afterProfiles = 0) {
			if (afterProfiles <= 0) captcha = true;
			else captchaAfter = afterProfiles;
		},
		clearCaptcha() {
			captcha = false;
			captchaAfter = null;
		},
		close: async () => {}
	};
	const html = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
		res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...headers });
		res.end(body);
	};
	const server: Server = createServer((req, res) => {
		void (async () => {
			const url = new URL(req.url ?? '/', 'http://localhost');
			site.requests.push({ method: req.method ?? 'GET', path: url.pathname + url.search });
			if (captcha) {
				site.captchaShown++;
				html(res, 200, CAPTCHA_PAGE);
				return;
			}
			if (url.pathname === '/login') {
				if (req.method === 'POST') {
					const form = new URLSearchParams(await readBody(req));
					const ok = form.get('email') === options.username && form.get('password') === options.password;
					site.logins.push({ username: form.get('email') ?? '', ok });
					if (!ok) return html(res, 200, loginPage('Incorrect email or password.'));
					const token = randomBytes(16).toString('hex');
					sessions.add(token);
					res.writeHead(303, { location: '/app/jobs', 'set-cookie': `sr_session=${token}; Path=/; HttpOnly` });
					res.end();
					return;
				}
				return html(res, 200, loginPage());
			}
			const cookie = /(?:^|;\s*)sr_session=([0-9a-f]+)/.exec(req.headers.cookie ?? '')?.[1];
			if (!cookie || !sessions.has(cookie)) {
				res.writeHead(302, { location: '/login' });
				res.end();
				return;
			}
			if (url.pathname === '/app/jobs') {
				const links = Object.keys(options.jobs)
					.map((id) => `<li><a href="/app/jobs/${id}/candidates">Job ${escape(id)}</a></li>`)
					.join('');
				return html(res, 200, page('Jobs', `<main><h1>Jobs</h1><ul>${links}</ul></main>`));
			}
			const list = /^\/app\/jobs\/([^/]+)\/candidates$/.exec(url.pathname);
			if (list) {
				const candidates = options.jobs[decodeURIComponent(list[1])];
				if (!candidates) return html(res, 404, page('Not found', '<h1>Job not found</h1>'));
				const p = Math.max(1, Number(url.searchParams.get('page') ?? '1'));
				const slice = candidates.slice((p - 1) * pageSize, p * pageSize);
				const rows = slice
					.map(
						(c) =>
							`<tr data-test="candidate-row"><td><a href="/app/candidates/${c.id}" data-candidate-id="${c.id}">${escape(c.name)}</a></td><td>${escape(c.title)}</td></tr>`
					)
					.join('');
				const next = p * pageSize < candidates.length ? `<a rel="next" href="?page=${p + 1}">Next</a>` : '';
				return html(
					res,
					200,
					page('Candidates', `<main><h1>Candidates</h1><table><tbody>${rows}</tbody></table><nav>${next}</nav></main>`)
				);
			}
			const profile = /^\/app\/candidates\/([^/]+)(\/cv)?$/.exec(url.pathname);
			const candidate = profile
				? Object.values(options.jobs)
						.flat()
						.find((c) => c.id === decodeURIComponent(profile[1]))
				: undefined;
			if (profile && candidate && profile[2]) {
				if (!candidate.cv) return html(res, 404, page('Not found', '<h1>No CV</h1>'));
				site.cvDownloads.set(candidate.id, (site.cvDownloads.get(candidate.id) ?? 0) + 1);
				res.writeHead(200, {
					'content-type': candidate.cv.type,
					'content-disposition': `attachment; filename="${candidate.cv.fileName}"`
				});
				res.end(Buffer.from(candidate.cv.bytes));
				return;
			}
			if (profile && candidate) {
				if (captchaAfter !== null && --captchaAfter < 0) {
					captcha = true;
					captchaAfter = null;
					site.captchaShown++;
					return html(res, 200, CAPTCHA_PAGE);
				}
				site.profileViews.set(candidate.id, (site.profileViews.get(candidate.id) ?? 0) + 1);
				const c = candidate;
				return html(
					res,
					200,
					page(
						c.name,
						`<main><h1 data-field="name">${escape(c.name)}</h1>
<p><span data-field="title">${escape(c.title)}</span> at <span data-field="company">${escape(c.company)}</span></p>
<dl><dt>Email</dt><dd data-field="email">${escape(c.email)}</dd>
${c.phone ? `<dt>Phone</dt><dd data-field="phone">${escape(c.phone)}</dd>` : ''}
<dt>Location</dt><dd data-field="location">${escape(c.location)}</dd></dl>
${c.cv ? `<a data-test="cv-download" href="/app/candidates/${c.id}/cv">Download CV</a>` : ''}</main>`
					)
				);
			}
			html(res, 404, page('Not found', '<h1>Not found</h1>'));
		})().catch((err: unknown) => {
			if (!res.headersSent) html(res, 500, page('Error', escape(String(err))));
		});
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
	site.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	site.close = () =>
		new Promise<void>((resolve) => {
			for (const socket of sockets) socket.destroy();
			server.close(() => resolve());
		});
	return site;
}

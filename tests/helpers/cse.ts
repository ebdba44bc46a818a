import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A local Google Custom Search JSON API (`GET /customsearch/v1?key&cx&q&start&num`) answering
 * with the real response shape (kind, queries.request/nextPage, searchInformation, items with
 * title, link, snippet and pagemap.metatags) from a list of LinkedIn-like profiles. Like Google
 * it serves at most 100 results (start + num ≤ 101), refuses a wrong key with 400 and can be
 * told to answer 429 (quota exceeded).
 */

export interface FakeProfile {
	name: string;
	headline: string;
	company: string;
	location: string;
	/** The profile's path slug (linkedin.com/in/<slug>). */
	slug: string;
	/** Country sub-domain (de.linkedin.com), as Google often returns. */
	subdomain?: string;
}

export interface CseRequest {
	key: string | null;
	cx: string | null;
	q: string | null;
	start: number;
	num: number;
}

export interface FakeCse {
	/** Base URL to use as GOOGLE_CSE_BASE_URL (serves /customsearch/v1). */
	url: string;
	requests: CseRequest[];
	profiles: FakeProfile[];
	/** Answer every request with 429 (Google's daily limit). */
	quotaExceeded: boolean;
	close(): Promise<void>;
}

/** `count` distinct profiles: "Person 1 Example - Senior Backend Engineer - Company 1 | LinkedIn" … */
export function makeProfiles(count: number, prefix = 'person'): FakeProfile[] {
	return Array.from({ length: count }, (_, i) => ({
		name: `${prefix.charAt(0).toUpperCase()}${prefix.slice(1)} ${i + 1} Example`,
		headline: 'Senior Backend Engineer',
		company: `Company ${i + 1}`,
		location: i % 2 ? 'Berlin, Germany' : 'Munich, Bavaria, Germany',
		slug: `${prefix}-${i + 1}-example-${(1000 + i).toString(16)}`,
		subdomain: i % 3 === 0 ? 'de' : 'www'
	}));
}

/** One search result as Google returns it for a LinkedIn profile. */
export function resultItem(p: FakeProfile) {
	const link = `https://${p.subdomain ?? 'www'}.linkedin.com/in/${p.slug}`;
	const title = `${p.name} - ${p.headline} - ${p.company} | LinkedIn`;
	const snippet =
		`${p.headline} at ${p.company} · Experience: ${p.company} · Location: ${p.location} · ` +
		`500+ connections on LinkedIn. View ${p.name}'s profile on LinkedIn, a professional community of 1 billion members.`;
	const [first, ...rest] = p.name.split(' ');
	return {
		kind: 'customsearch#result',
		title,
		htmlTitle: title.replace(p.headline, `<b>${p.headline}</b>`),
		link,
		displayLink: `${p.subdomain ?? 'www'}.linkedin.com`,
		snippet,
		htmlSnippet: snippet,
		formattedUrl: link,
		htmlFormattedUrl: link,
		pagemap: {
			cse_thumbnail: [{ src: 'https://encrypted-tbn0.gstatic.com/images?q=tbn:x', width: '225', height: '225' }],
			metatags: [
				{
					'og:type': 'profile',
					'og:title': `${p.name} - ${p.headline} - ${p.company} | LinkedIn`,
					'og:description': snippet,
					'og:url': link,
					'profile:first_name': first,
					'profile:last_name': rest.join(' '),
					'twitter:card': 'summary'
				}
			]
		}
	};
}

export async function startFakeCse(options: { key: string; cx: string; profiles: FakeProfile[] }): Promise<FakeCse> {
	const sockets = new Set<Socket>();
	const fake: FakeCse = {
		url: '',
		requests: [],
		profiles: options.profiles,
		quotaExceeded: false,
		close: async () => {}
	};
	const send = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
		res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
		res.end(JSON.stringify(body));
	};
	const server: Server = createServer((req, res) => {
		const url = new URL(req.url ?? '/', 'http://localhost');
		if (req.method !== 'GET' || url.pathname !== '/customsearch/v1') {
			send(res, 404, { error: { code: 404, message: 'Not Found', status: 'NOT_FOUND' } });
			return;
		}
		const request: CseRequest = {
			key: url.searchParams.get('key'),
			cx: url.searchParams.get('cx'),
			q: url.searchParams.get('q'),
			start: Number(url.searchParams.get('start') ?? '1'),
			num: Number(url.searchParams.get('num') ?? '10')
		};
		fake.requests.push(request);
		if (request.key !== options.key) {
			send(res, 400, {
				error: {
					code: 400,
					message: 'API key not valid. Please pass a valid API key.',
					errors: [
						{ message: 'API key not valid. Please pass a valid API key.', domain: 'global', reason: 'badRequest' }
					],
					status: 'INVALID_ARGUMENT'
				}
			});
			return;
		}
		if (fake.quotaExceeded) {
			send(res, 429, {
				error: {
					code: 429,
					message:
						"Quota exceeded for quota metric 'Queries' and limit 'Queries per day' of service 'customsearch.googleapis.com'.",
					errors: [{ message: 'Quota exceeded', domain: 'global', reason: 'rateLimitExceeded' }],
					status: 'RESOURCE_EXHAUSTED'
				}
			});
			return;
		}
		if (
			request.cx !== options.cx ||
			!request.q ||
			request.num < 1 ||
			request.num > 10 ||
			request.start + request.num > 101
		) {
			send(res, 400, {
				error: { code: 400, message: 'Request contains an invalid argument.', status: 'INVALID_ARGUMENT' }
			});
			return;
		}
		const total = Math.min(fake.profiles.length, 100);
		const page = fake.profiles.slice(request.start - 1, Math.min(total, request.start - 1 + request.num));
		const requestInfo = {
			title: `Google Custom Search - ${request.q}`,
			totalResults: String(fake.profiles.length),
			searchTerms: request.q,
			count: request.num,
			startIndex: request.start,
			inputEncoding: 'utf8',
			outputEncoding: 'utf8',
			safe: 'off',
			cx: request.cx
		};
		const nextStart = request.start + request.num;
		send(res, 200, {
			kind: 'customsearch#search',
			url: { type: 'application/json', template: 'https://www.googleapis.com/customsearch/v1?q={searchTerms}' },
			queries: {
				request: [requestInfo],
				...(nextStart <= total ? { nextPage: [{ ...requestInfo, startIndex: nextStart }] } : {})
			},
			context: { title: 'LinkedIn profiles' },
			searchInformation: {
				searchTime: 0.21,
				formattedSearchTime: '0.21',
				totalResults: String(fake.profiles.length),
				formattedTotalResults: fake.profiles.length.toLocaleString('en-US')
			},
			...(page.length ? { items: page.map(resultItem) } : {})
		});
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
	fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	fake.close = () =>
		new Promise<void>((resolve) => {
			for (const socket of sockets) socket.destroy();
			server.close(() => resolve());
		});
	return fake;
}

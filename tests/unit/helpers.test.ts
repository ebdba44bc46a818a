import { describe, expect, it } from 'vitest';
import type { Cookies } from '@sveltejs/kit';
import { auditSnapshot } from '../../src/lib/server/audit/audit';
import { hashPassword, verifyAgainstDummy, verifyPassword } from '../../src/lib/server/auth/password';
import { generateSessionToken, sessionIdOf } from '../../src/lib/server/auth/session';
import { loadConfig } from '../../src/lib/server/config';
import { escapeHtml, renderWelcome } from '../../src/lib/server/email/templates';
import { formatEvent } from '../../src/lib/server/events/stream';
import { LocalEventBus } from '../../src/lib/server/events/bus';
import { readSessionToken } from '../../src/lib/server/http/cookies';
import { JobRegistry } from '../../src/lib/server/jobs/queue';
import { defineJob, exponentialBackoff } from '../../src/lib/server/jobs/types';
import { metricsAllowed } from '../../src/lib/server/observability/health';
import { z } from 'zod';

describe('session tokens', () => {
	it('are 32 base32 characters, random, and stored only as their SHA-256', () => {
		const a = generateSessionToken();
		const b = generateSessionToken();
		expect(a).toMatch(/^[a-z2-7]{32}$/);
		expect(a).not.toBe(b);
		expect(sessionIdOf(a)).toMatch(/^[0-9a-f]{64}$/);
		expect(sessionIdOf(a)).toBe(sessionIdOf(a));
		expect(sessionIdOf(a)).not.toBe(sessionIdOf(b));
		// a known vector: SHA-256("abc")
		expect(sessionIdOf('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
	});

	it('are read from a Bearer header first, else from the cookie', () => {
		const cookies = { get: (name: string) => (name === 'hh_session' ? 'from-cookie' : undefined) } as Cookies;
		const request = (headers: Record<string, string>) => new Request('http://x.test/', { headers });
		expect(readSessionToken(request({ authorization: 'Bearer abc' }), cookies)).toBe('abc');
		expect(readSessionToken(request({ authorization: 'bearer   abc' }), cookies)).toBe('abc');
		expect(readSessionToken(request({}), cookies)).toBe('from-cookie');
		// a malformed Authorization header does not fall back to the cookie
		expect(readSessionToken(request({ authorization: 'Basic dXNlcjpwYXNz' }), cookies)).toBeNull();
	});
});

describe('passwords', () => {
	it('hash with argon2id and verify', async () => {
		const hash = await hashPassword('correct horse battery staple');
		expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
		expect(await verifyPassword(hash, 'correct horse battery staple')).toBe(true);
		expect(await verifyPassword(hash, 'correct horse battery stapl')).toBe(false);
	});

	it('never throw on a malformed hash, and the dummy check always fails', async () => {
		expect(await verifyPassword('not a hash', 'x')).toBe(false);
		expect(await verifyAgainstDummy('dummy password for timing equality')).toBe(false);
	});
});

describe('auditSnapshot', () => {
	it('copies a record without its secrets or binary, dates as ISO', () => {
		const when = new Date('2026-03-04T05:06:07.000Z');
		expect(
			auditSnapshot({
				id: 'u1',
				passwordHash: '$argon2id$…',
				token: 't',
				apiKey: 'k',
				state: new Uint8Array([1]),
				updatedAt: when,
				role: 'admin'
			})
		).toEqual({ id: 'u1', updatedAt: when.toISOString(), role: 'admin' });
		expect(auditSnapshot(null)).toBeNull();
	});
});

describe('jobs', () => {
	it('back off exponentially up to a cap', () => {
		const backoff = exponentialBackoff(1000, 5000);
		expect([1, 2, 3, 4, 5].map(backoff)).toEqual([1000, 2000, 4000, 5000, 5000]);
	});

	it('refuse two definitions of one kind', () => {
		const job = defineJob({
			kind: 'x',
			input: z.object({}),
			maxAttempts: 1,
			backoffMs: () => 0,
			perform: async () => null
		});
		expect(() => new JobRegistry([job, job])).toThrow(/Duplicate job kind x/);
		expect(new JobRegistry([job]).kinds()).toEqual(['x']);
	});
});

describe('server-sent events', () => {
	it('are written as an event line and one JSON data line', () => {
		expect(formatEvent({ type: 'job.updated', job: { id: 'j1', progress: 50 } })).toBe(
			'event: job.updated\ndata: {"type":"job.updated","job":{"id":"j1","progress":50}}\n\n'
		);
		// a line break inside a value cannot end the event early
		expect(formatEvent({ type: 'x', text: 'a\n\nb' }).split('\n\n')).toHaveLength(2);
	});
});

describe('LocalEventBus', () => {
	it('delivers asynchronously, and a throwing subscriber harms neither the others nor the process', async () => {
		const errors: unknown[] = [];
		const bus = new LocalEventBus((err) => errors.push(err));
		const seen: string[] = [];
		bus.subscribe('c', () => {
			throw new Error('boom');
		});
		const unsubscribe = bus.subscribe('c', (m) => seen.push(m.type));
		await unsubscribe.ready;
		const published = bus.publish('c', { type: 'one' });
		// never inline: a publisher inside a transaction does not run subscribers' work
		expect(seen).toEqual([]);
		await published;
		await new Promise((resolve) => setImmediate(resolve));
		expect(seen).toEqual(['one']);
		expect(errors).toHaveLength(1);
		unsubscribe();
		await bus.publish('c', { type: 'two' });
		await new Promise((resolve) => setImmediate(resolve));
		expect(seen).toEqual(['one']);
	});
});

describe('e-mail templates', () => {
	it('escape HTML', () => {
		expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
	});

	it('render the welcome message with its recipient, role and sign-in link', () => {
		const mail = renderWelcome({
			name: 'Ada <script>',
			email: 'ada@example.com',
			role: 'Recruiter',
			invitedBy: 'Grace',
			loginUrl: 'https://hire.example.com/login'
		});
		expect(mail.subject).toBe('Your Hiring Hare account is ready');
		expect(mail.text).toContain(
			'Grace created a Hiring Hare account for you (ada@example.com) with the role Recruiter.'
		);
		expect(mail.text).toContain('https://hire.example.com/login');
		expect(mail.html).toContain('Welcome, Ada &lt;script&gt;');
		expect(mail.html).not.toContain('<script>');
	});
});

describe('metrics protection', () => {
	it('is open without METRICS_TOKEN and needs the exact Bearer token with it', () => {
		expect(metricsAllowed({ config: loadConfig({}) }, null)).toBe(true);
		const rt = { config: loadConfig({ METRICS_TOKEN: 'scrape-token-0123456789' }) };
		expect(metricsAllowed(rt, null)).toBe(false);
		expect(metricsAllowed(rt, 'Bearer wrong-token-0123456789')).toBe(false);
		expect(metricsAllowed(rt, 'Basic scrape-token-0123456789')).toBe(false);
		expect(metricsAllowed(rt, 'Bearer scrape-token-0123456789')).toBe(true);
	});
});

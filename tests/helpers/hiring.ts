import * as decoding from 'lib0/decoding';
import pg from 'pg';
import { expect } from 'vitest';
import type { HocuspocusProvider } from '@hocuspocus/provider';
import { cvDocx } from './cvs';
import { apiClient, openEventStream, startProcess, type RunningProcess, type ServerSentEvent } from './app';
import { createTestDatabase, type TestDatabase } from './db';
import type { Backend } from './env';
import { PASSWORD } from './org';

/**
 * Helpers for the candidates and pipeline suites (issue 4): the built app on PGlite or Postgres,
 * an organisation with one user per role, open requirements, multipart uploads, job polling,
 * server-sent events and, on Postgres, direct SQL to look behind the API.
 */

export type Client = ReturnType<typeof apiClient> & {
	put: (path: string, body: unknown) => ReturnType<ReturnType<typeof apiClient>['get']>;
};

export interface Member {
	api: Client;
	id: string;
	email: string;
	name: string;
	/** The session token (Bearer for the API, token for a provider). */
	token: string;
}

/** An API client that also does PUT (the stock one lacks it). */
export function client(baseUrl: string, token: string): Client {
	const base = apiClient(baseUrl, token);
	return {
		...base,
		async put(path: string, body: unknown) {
			const response = await fetch(`${baseUrl}/api/v1${path}`, {
				method: 'PUT',
				headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
				body: JSON.stringify(body)
			});
			const text = await response.text();
			let json: unknown = text;
			try {
				json = JSON.parse(text);
			} catch {
				// not JSON
			}
			return { status: response.status, headers: response.headers, body: json as Record<string, any> };
		}
	};
}

export interface RunningApp {
	app: RunningProcess & { dataDir: string };
	database?: TestDatabase;
	url: string;
	collabUrl: string;
	admin: Member;
	close(): Promise<void>;
}

/** The built all-in-one app on `backend` (Postgres: a fresh database), with its first admin. */
export async function startApp(backend: Backend, env: Record<string, string> = {}): Promise<RunningApp> {
	const database = backend === 'postgres' ? await createTestDatabase('postgres') : undefined;
	const app = await startProcess({
		env: { RATE_LIMIT_PER_MINUTE: '0', ...(database?.url ? { DATABASE_URL: database.url } : {}), ...env }
	});
	const register = await apiClient(app.url).post('/auth/register', {
		email: 'admin@example.com',
		name: 'Ada Admin',
		password: PASSWORD
	});
	expect(register.status, JSON.stringify(register.body)).toBe(201);
	const token: string = register.body.data.token;
	return {
		app,
		database,
		url: app.url,
		collabUrl: `ws://127.0.0.1:${app.port}/collab`,
		admin: {
			api: client(app.url, token),
			id: register.body.data.user.id,
			email: 'admin@example.com',
			name: 'Ada Admin',
			token
		},
		async close() {
			await app.stop();
			await database?.close();
		}
	};
}

/** A user made by the admin through the API, signed in. */
export async function createMember(running: RunningApp, role: string, name: string): Promise<Member> {
	const email = `${name.toLowerCase().replace(/[^a-z]+/g, '.')}@example.com`;
	const created = await running.admin.api.post('/users', { email, name, password: PASSWORD, role });
	expect(created.status, JSON.stringify(created.body)).toBe(201);
	const login = await apiClient(running.url).post('/auth/login', { email, password: PASSWORD });
	expect(login.status, JSON.stringify(login.body)).toBe(200);
	const token: string = login.body.data.token;
	return { api: client(running.url, token), id: created.body.data.id, email, name, token };
}

export interface Org {
	admin: Member;
	recruiter: Member;
	manager: Member;
	approver: Member;
	viewer: Member;
	interviewer: Member;
	departmentId: string;
}

/** One user per role that the pipeline cares about, and a department. */
export async function createOrg(running: RunningApp): Promise<Org> {
	const [recruiter, manager, approver, viewer, interviewer] = [
		await createMember(running, 'recruiter', 'Rita Recruiter'),
		await createMember(running, 'hiring_manager', 'Hanna Manager'),
		await createMember(running, 'approver', 'Amir Approver'),
		await createMember(running, 'viewer', 'Vic Viewer'),
		await createMember(running, 'interviewer', 'Ivan Interviewer')
	];
	const dept = await running.admin.api.post('/departments', { name: 'Engineering' });
	expect(dept.status, JSON.stringify(dept.body)).toBe(201);
	return { admin: running.admin, recruiter, manager, approver, viewer, interviewer, departmentId: dept.body.data.id };
}

/** A requirement created by the hiring manager, approved (default workflow) and opened. */
export async function openRequirement(org: Org, title: string, extra: Record<string, unknown> = {}) {
	const created = await org.manager.api.post('/requirements', { title, department_id: org.departmentId, ...extra });
	expect(created.status, JSON.stringify(created.body)).toBe(201);
	const id: string = created.body.data.id;
	const submitted = await org.manager.api.post(`/requirements/${id}/submit`, {});
	expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
	const pending = await org.approver.api.get('/approvals/pending');
	const approval = (pending.body.data.items as Array<{ id: string; subject_id: string }>).find(
		(a) => a.subject_id === id
	);
	expect(approval, 'an approval for the new requirement').toBeTruthy();
	const approved = await org.approver.api.post(`/approvals/${approval!.id}/approve`, {});
	expect(approved.status, JSON.stringify(approved.body)).toBe(200);
	const opened = await org.recruiter.api.post(`/requirements/${id}/open`, {});
	expect(opened.status, JSON.stringify(opened.body)).toBe(200);
	return { id, title };
}

/** Creates a candidate (201 expected) and returns the API's record. */
export async function createCandidate(who: Member, fields: Record<string, unknown>, query = '') {
	const res = await who.api.post(`/candidates${query}`, fields);
	expect(res.status, JSON.stringify(res.body)).toBe(201);
	return res.body.data as Record<string, any> & { id: string; version: number };
}

/** Puts a candidate into a requirement's pipeline; returns the application. */
export async function addApplication(who: Member, requirementId: string, candidateId: string, stage?: string) {
	const res = await who.api.post(`/requirements/${requirementId}/applications`, {
		candidate_id: candidateId,
		...(stage ? { stage } : {})
	});
	expect(res.status, JSON.stringify(res.body)).toBe(201);
	return res.body.data as { id: string; stage: string; rank: string; version: number };
}

/** POSTs a multipart form (a file and text fields) with the member's token. */
export async function postForm(
	baseUrl: string,
	token: string,
	path: string,
	file: { bytes: Uint8Array; name: string; type: string; field?: string } | null,
	fields: Record<string, string> = {}
) {
	const form = new FormData();
	for (const [k, v] of Object.entries(fields)) form.append(k, v);
	if (file) form.append(file.field ?? 'file', new Blob([new Uint8Array(file.bytes)], { type: file.type }), file.name);
	const response = await fetch(`${baseUrl}/api/v1${path}`, {
		method: 'POST',
		// SvelteKit refuses form-encoded posts without a same-site Origin (its CSRF check), so an
		// upload is sent as the app's own pages send it.
		headers: { authorization: `Bearer ${token}`, origin: baseUrl },
		body: form
	});
	const text = await response.text();
	let body: any = text;
	try {
		body = JSON.parse(text);
	} catch {
		// not JSON (adapter-node's own 413 is plain text)
	}
	return { status: response.status, headers: response.headers, body };
}

/** Raw GET (downloads, CSV): status, headers and bytes. */
export async function getRaw(baseUrl: string, token: string, path: string) {
	const response = await fetch(`${baseUrl}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
	return { status: response.status, headers: response.headers, bytes: new Uint8Array(await response.arrayBuffer()) };
}

export interface JobView {
	id: string;
	status: string;
	progress: number;
	result: any;
	error: any;
}

/** Polls GET /jobs/:id until the job is finished; returns it and every progress value seen. */
export async function waitForJob(who: Member, jobId: string, timeoutMs = 60_000) {
	const seen: number[] = [];
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const res = await who.api.get(`/jobs/${jobId}`);
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		const job = res.body.data as JobView;
		if (seen[seen.length - 1] !== job.progress) seen.push(job.progress);
		if (['completed', 'failed', 'cancelled'].includes(job.status)) return { job, progress: seen };
		if (Date.now() > deadline) throw new Error(`job ${jobId} still ${job.status} after ${timeoutMs} ms`);
		await new Promise((resolve) => setTimeout(resolve, 25));
	}
}

/** Runs SQL on a Postgres test database (looking behind the API); null on PGlite. */
export async function sql<T extends Record<string, any>>(
	database: TestDatabase | undefined,
	text: string,
	params: unknown[] = []
): Promise<T[] | null> {
	if (!database?.url) return null;
	const connection = new pg.Client({ connectionString: database.url });
	await connection.connect();
	try {
		return (await connection.query<T>(text, params)).rows;
	} finally {
		await connection.end();
	}
}

/** A server-sent event of the API, as `openStream` parses it. */
export type StreamEvent = ServerSentEvent;

/** Opens a server-sent event stream of the API (`path` under /api/v1); `next(predicate)` waits for a match. */
export const openStream = openEventStream;

/**
 * The sync-status answers (Hocuspocus message type 8) a provider receives: `true` when the
 * server applied an update, `false` when it refused it (a read-only connection).
 */
export function recordSyncStatuses(provider: HocuspocusProvider): boolean[] {
	const statuses: boolean[] = [];
	provider.on('message', ({ event }: { event: MessageEvent }) => {
		try {
			const decoder = decoding.createDecoder(new Uint8Array(event.data as ArrayBuffer));
			decoding.readVarString(decoder);
			if (decoding.readVarUint(decoder) === 8) statuses.push(decoding.readVarInt(decoder) === 1);
		} catch {
			// not a frame we understand
		}
	});
	return statuses;
}

/** Uploads `text` as a DOCX CV of the candidate and waits until its text is extracted. */
export async function uploadCvText(running: RunningApp, who: Member, candidateId: string, text: string) {
	const upload = await postForm(running.url, who.token, `/candidates/${candidateId}/resume`, {
		bytes: cvDocx(text),
		name: 'cv.docx',
		type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'
	});
	expect(upload.status, JSON.stringify(upload.body)).toBe(201);
	const deadline = Date.now() + 30_000;
	for (;;) {
		const docs = await who.api.get(`/candidates/${candidateId}/documents`);
		const doc = (docs.body.data.items as Array<{ id: string; extraction: string }>).find(
			(d) => d.id === upload.body.data.id
		);
		expect(doc?.extraction).not.toBe('failed');
		if (doc?.extraction === 'done') return upload.body.data as { id: string };
		if (Date.now() > deadline) throw new Error('CV text extraction did not finish in 30 s');
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}

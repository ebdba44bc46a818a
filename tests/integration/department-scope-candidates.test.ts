import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assignDepartments } from '../helpers/departments';
import { BACKENDS } from '../helpers/env';
import {
	addApplication,
	createCandidate,
	createMember,
	createOrg,
	getRaw,
	openRequirement,
	openStream,
	postForm,
	startApp,
	type StreamEvent,
	type Member,
	type Org,
	type RunningApp
} from '../helpers/hiring';
import { generalTemplate, hoursFromNow } from '../helpers/interviews';

/**
 * Department visibility of candidates and what hangs on them (the built app, both databases).
 * Departments: Engineering with Platform under it, and Sales. Rita the recruiter works for
 * Engineering (a `user_departments` row); Una, another recruiter, has no department; Ada is the
 * admin. Candidates: Alice (Engineering), Sam (Platform), Carol (Engineering and Sales), Bob
 * (Sales only), Pete (Sales only, but Rita sits on his interview's panel), Polly (no application:
 * the talent pool). Rita sees everything but Bob and Carol's Sales application; Una and Ada see
 * all of it — so every assertion below could fail.
 */

interface Seeded {
	running: RunningApp;
	org: Org;
	una: Member;
	reqA: string;
	reqSub: string;
	reqB: string;
	alice: string;
	sam: string;
	carol: string;
	bob: string;
	pete: string;
	polly: string;
	bobInterview: string;
	peteInterview: string;
}

async function seed(running: RunningApp): Promise<Seeded> {
	const org = await createOrg(running);
	const una = await createMember(running, 'recruiter', 'Una Unassigned');
	const platform = await running.admin.api.post('/departments', { name: 'Platform', parent_id: org.departmentId });
	expect(platform.status, JSON.stringify(platform.body)).toBe(201);
	const sales = await running.admin.api.post('/departments', { name: 'Sales' });
	expect(sales.status, JSON.stringify(sales.body)).toBe(201);
	const reqA = await openRequirement(org, 'Backend Engineer');
	const reqSub = await openRequirement(org, 'Platform Engineer', { department_id: platform.body.data.id });
	const reqB = await openRequirement(org, 'Account Executive', { department_id: sales.body.data.id });
	const template = await generalTemplate(org.recruiter);

	const alice = await createCandidate(org.recruiter, { name: 'Alice Engineer', emails: ['alice@a.example'] });
	await addApplication(org.recruiter, reqA.id, alice.id, 'screening');
	const sam = await createCandidate(org.recruiter, { name: 'Sam Platform', emails: ['sam@a.example'] });
	await addApplication(org.recruiter, reqSub.id, sam.id, 'screening');
	const carol = await createCandidate(org.recruiter, { name: 'Carol Both', emails: ['carol@a.example'] });
	await addApplication(org.recruiter, reqA.id, carol.id, 'screening');
	await addApplication(org.recruiter, reqB.id, carol.id, 'screening');
	const bob = await createCandidate(org.recruiter, {
		name: 'Bob Salesman',
		emails: ['bob@b.example'],
		current_title: 'Quota Crusher'
	});
	const bobApp = await addApplication(org.recruiter, reqB.id, bob.id, 'interview');
	await org.recruiter.api.post(`/candidates/${bob.id}/notes`, { body: 'Bob note about Sales' });
	const pete = await createCandidate(org.recruiter, { name: 'Pete Panel', emails: ['pete@b.example'] });
	const peteApp = await addApplication(org.recruiter, reqB.id, pete.id, 'interview');
	const polly = await createCandidate(una, { name: 'Polly Pool', emails: ['polly@pool.example'] });

	// Rita organises Bob's interview (before she is assigned) with Ivan alone on the panel, and
	// sits on Pete's: both tomorrow, so both are in her offline kit while she sees Sales.
	const interview = async (application: string, panel: Member[]) => {
		const res = await org.recruiter.api.post('/interviews', {
			application_id: application,
			type: 'technical',
			starts_at: hoursFromNow(24),
			ends_at: hoursFromNow(25),
			time_zone: 'Europe/Paris',
			panel: panel.map((m, i) => ({ user_id: m.id, is_lead: i === 0 })),
			scorecard_template_id: template.id
		});
		expect(res.status, JSON.stringify(res.body)).toBe(201);
		return res.body.data.interview.id as string;
	};
	const bobInterview = await interview(bobApp.id, [org.interviewer]);
	const peteInterview = await interview(peteApp.id, [org.interviewer, org.recruiter]);
	return {
		running,
		org,
		una,
		reqA: reqA.id,
		reqSub: reqSub.id,
		reqB: reqB.id,
		alice: alice.id,
		sam: sam.id,
		carol: carol.id,
		bob: bob.id,
		pete: pete.id,
		polly: polly.id,
		bobInterview,
		peteInterview
	};
}

const ids = (res: { body: Record<string, any> }) => (res.body.data.items as Array<{ id: string }>).map((c) => c.id);

describe.each(BACKENDS)('department visibility of candidates on %s', (backend) => {
	let s: Seeded;
	let rita: Member;
	let una: Member;
	let admin: Member;
	let kitBefore: string;

	beforeAll(async () => {
		s = await seed(await startApp(backend));
		({ una, admin } = { una: s.una, admin: s.org.admin });
		rita = s.org.recruiter;
		const kit = await rita.api.get('/offline/kit');
		expect(kit.status, JSON.stringify(kit.body)).toBe(200);
		kitBefore = JSON.stringify(kit.body);
		await assignDepartments(s.running, [{ userId: rita.id, departmentId: s.org.departmentId }]);
	}, 240_000);

	afterAll(async () => {
		await s?.running.close();
	});

	it('lists, counts and searches only the candidates the recruiter sees', async () => {
		const mine = await rita.api.get('/candidates?page_size=100');
		expect(mine.status).toBe(200);
		expect(ids(mine).sort()).toEqual([s.alice, s.sam, s.carol, s.pete, s.polly].sort());
		expect(mine.body.data.pagination.total_items).toBe(5);
		for (const who of [una, admin]) {
			const all = await who.api.get('/candidates?page_size=100');
			expect(ids(all)).toEqual(expect.arrayContaining([s.alice, s.sam, s.carol, s.bob, s.pete, s.polly]));
		}
		// Full-text search, by name, by e-mail, by title: nothing of Bob for Rita.
		for (const q of ['Bob Salesman', 'bob@b.example', 'Quota']) {
			const hers = await rita.api.get(`/candidates?q=${encodeURIComponent(q)}`);
			expect(hers.status).toBe(200);
			expect(ids(hers), q).toEqual([]);
			expect(JSON.stringify(hers.body)).not.toContain('Bob');
			const hers2 = await una.api.get(`/candidates?q=${encodeURIComponent(q)}`);
			expect(ids(hers2), q).toEqual([s.bob]);
		}
		// A filter by the other department's requirement finds nothing either.
		expect(ids(await rita.api.get(`/candidates?requirement_id=${s.reqB}`)).sort()).toEqual([s.carol, s.pete].sort());
		expect(ids(await una.api.get(`/candidates?requirement_id=${s.reqB}`))).toContain(s.bob);
	});

	it('refuses the single record, its documents and its CV; the profile lists only visible applications', async () => {
		for (const path of [`/candidates/${s.bob}`, `/candidates/${s.bob}/documents`, `/candidates/${s.bob}/resume`]) {
			const hers = await rita.api.get(path);
			expect(hers.status, path).toBe(403);
			expect(JSON.stringify(hers.body)).not.toContain('Bob');
		}
		expect((await una.api.get(`/candidates/${s.bob}`)).status).toBe(200);
		expect((await una.api.get(`/candidates/${s.bob}/documents`)).status).toBe(200);
		// Pete is in Sales, but Rita sits on his interview's panel: she reads him and that application.
		const pete = await rita.api.get(`/candidates/${s.pete}`);
		expect(pete.status).toBe(200);
		expect(pete.body.data.applications.map((a: { requirement_id: string }) => a.requirement_id)).toEqual([s.reqB]);
		// Carol applied to both departments: Rita's profile shows the Engineering application only.
		const carol = await rita.api.get(`/candidates/${s.carol}`);
		expect(carol.status).toBe(200);
		expect(carol.body.data.applications.map((a: { requirement_id: string }) => a.requirement_id)).toEqual([s.reqA]);
		expect(JSON.stringify(carol.body)).not.toContain('Account Executive');
		const unaCarol = await una.api.get(`/candidates/${s.carol}`);
		expect(unaCarol.body.data.applications.map((a: { requirement_id: string }) => a.requirement_id).sort()).toEqual(
			[s.reqA, s.reqB].sort()
		);
		// The pool (no application) is everyone's; the sub-department is Rita's.
		expect((await rita.api.get(`/candidates/${s.polly}`)).status).toBe(200);
		expect((await rita.api.get(`/candidates/${s.sam}`)).status).toBe(200);
	});

	it('refuses changes to a hidden candidate: update, note, upload, merge', async () => {
		const bob = await una.api.get(`/candidates/${s.bob}`);
		const version = bob.body.data.version;
		expect((await rita.api.patch(`/candidates/${s.bob}`, { version, location: 'Nowhere' })).status).toBe(403);
		expect((await rita.api.post(`/candidates/${s.bob}/notes`, { body: 'hello' })).status).toBe(403);
		const merge = await rita.api.post(`/candidates/${s.alice}/merge`, { duplicate_id: s.bob });
		expect(merge.status).toBe(403);
		const mergeBack = await rita.api.post(`/candidates/${s.bob}/merge`, { duplicate_id: s.alice });
		expect(mergeBack.status).toBe(403);
		// Nothing changed; Una still edits him.
		const after = await una.api.get(`/candidates/${s.bob}`);
		expect(after.body.data.version).toBe(version);
		expect(after.body.data.location).toBeNull();
		expect((await una.api.patch(`/candidates/${s.bob}`, { version, tags: ['sales'] })).status).toBe(200);
	});

	it('exports only what the recruiter sees', async () => {
		const hers = new TextDecoder().decode((await getRaw(s.running.url, rita.token, '/candidates/export')).bytes);
		expect(hers).toContain(s.alice);
		expect(hers).toContain(s.polly);
		expect(hers).not.toContain(s.bob);
		expect(hers).not.toContain('Bob Salesman');
		expect(hers.trim().split('\r\n')).toHaveLength(1 + 5);
		const hers2 = new TextDecoder().decode((await getRaw(s.running.url, una.token, '/candidates/export')).bytes);
		expect(hers2).toContain(s.bob);
	});

	it('still refuses a duplicate of a hidden candidate, without saying who it is', async () => {
		const dup = await rita.api.post('/candidates', { name: 'Robert S.', emails: ['Bob@B.example'] });
		expect(dup.status).toBe(409);
		expect(dup.body.error.code).toBe('DUPLICATE_CANDIDATE');
		expect(dup.body.error.message).toBe('A candidate with this e-mail already exists');
		const text = JSON.stringify(dup.body);
		expect(text).not.toContain(s.bob);
		expect(text).not.toContain('Bob Salesman');
		expect(text).not.toContain('Quota');
		// A match she sees is named, as before.
		const visible = await rita.api.post('/candidates', { name: 'Alice again', emails: ['alice@a.example'] });
		expect(visible.status).toBe(409);
		expect(JSON.stringify(visible.body)).toContain(s.alice);
		// Una is told who it is.
		const hers = await una.api.post('/candidates', { name: 'Robert S.', emails: ['bob@b.example'] });
		expect(hers.status).toBe(409);
		expect(hers.body.error.message).toContain('Bob Salesman');
		expect(JSON.stringify(hers.body)).toContain(s.bob);
	});

	it('shows only activity about what the recruiter sees', async () => {
		const feed = await rita.api.get('/activity?limit=200');
		expect(feed.status).toBe(200);
		const items = feed.body.data.items as Array<{ candidate_id: string | null; requirement_id: string | null }>;
		expect(items.length).toBeGreaterThan(0);
		expect(items.some((e) => e.candidate_id === s.alice)).toBe(true);
		expect(items.filter((e) => e.candidate_id === s.bob || e.requirement_id === s.reqB)).toEqual([]);
		expect(JSON.stringify(feed.body)).not.toContain('Bob Salesman');
		expect((await rita.api.get(`/activity?candidate_id=${s.bob}`)).body.data.items).toEqual([]);
		const hers = await una.api.get('/activity?limit=200');
		const unaItems = hers.body.data.items as Array<{ candidate_id: string | null; requirement_id: string | null }>;
		expect(unaItems.some((e) => e.candidate_id === s.bob)).toBe(true);
		expect(unaItems.some((e) => e.requirement_id === s.reqB)).toBe(true);
	});

	it('streams live only the activity about what the recruiter sees', async () => {
		const hers = await openStream(s.running.url, rita.token, '/activity/stream');
		const unas = await openStream(s.running.url, una.token, '/activity/stream');
		try {
			expect(hers.status).toBe(200);
			await Promise.all([hers.next((e) => e.event === 'ready'), unas.next((e) => e.event === 'ready')]);
			expect((await una.api.post(`/candidates/${s.bob}/notes`, { body: 'Live about Bob' })).status).toBe(201);
			expect((await una.api.post(`/candidates/${s.alice}/notes`, { body: 'Live about Alice' })).status).toBe(201);
			const about = (id: string) => (e: StreamEvent) => e.event === 'activity' && e.data.candidate_id === id;
			await unas.next(about(s.bob));
			await unas.next(about(s.alice));
			await hers.next(about(s.alice));
			// Give a late (out-of-order) Bob event every chance to arrive before looking.
			await new Promise((resolve) => setTimeout(resolve, 500));
			expect(hers.events.filter(about(s.bob))).toEqual([]);
			expect(JSON.stringify(hers.events)).not.toContain('Live about Bob');
		} finally {
			await hers.close();
			await unas.close();
		}
	});

	it('keeps the other department out of the offline kit', async () => {
		// Before the assignment her kit held Bob's interview (she organised it).
		expect(kitBefore).toContain(s.bobInterview);
		const kit = await rita.api.get('/offline/kit');
		expect(kit.status).toBe(200);
		const text = JSON.stringify(kit.body);
		expect(text).not.toContain(s.bobInterview);
		expect(text).not.toContain(s.bob);
		expect(text).not.toContain('Bob Salesman');
		// Her own panel stays, with the candidate.
		const pete = (
			kit.body.data.interviews as Array<{ interview: { id: string }; candidate: { id: string } | null }>
		).find((i) => i.interview.id === s.peteInterview);
		expect(pete?.candidate?.id).toBe(s.pete);
	});

	it('refuses the requirement-bound AI and sourcing reads of the other department', async () => {
		const paths = [
			`/ai/screen?requirement_id=${s.reqB}`,
			`/requirements/${s.reqB}/market-research`,
			`/sourcing/results?requirement_id=${s.reqB}`,
			`/sourcing/smartrecruiters?requirement_id=${s.reqB}`
		];
		for (const path of paths) {
			expect((await rita.api.get(path)).status, path).toBe(403);
			expect((await una.api.get(path)).status, path).toBe(200);
			// Her own department's are hers.
			expect((await rita.api.get(path.replace(s.reqB, s.reqA))).status, path).toBe(200);
		}
		for (const [path, body] of [
			['/ai/market-research', { requirement_id: s.reqB }],
			['/ai/salary-benchmark', { requirement_id: s.reqB }],
			['/ai/screen', { requirement_id: s.reqB, stage: 'interview' }],
			['/sourcing/linkedin-xray', { requirement_id: s.reqB }]
		] as const) {
			expect((await rita.api.post(path, body)).status, path).toBe(403);
			expect((await una.api.post(path, body)).status, path).not.toBe(403);
		}
		// A CSV import into the other department's pipeline is refused before anything is stored.
		const csv = {
			bytes: new TextEncoder().encode('name,email\nNew Person,new@c.example\n'),
			name: 'c.csv',
			type: 'text/csv'
		};
		const refused = await postForm(s.running.url, rita.token, '/candidates/import', csv, { requirement_id: s.reqB });
		expect(refused.status, JSON.stringify(refused.body)).toBe(403);
		const own = await postForm(s.running.url, rita.token, '/candidates/import', csv, { requirement_id: s.reqA });
		expect(own.status, JSON.stringify(own.body)).toBe(202);
	});
});

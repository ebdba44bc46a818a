import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assignDepartments } from '../helpers/departments';
import { BACKENDS } from '../helpers/env';
import { functionResponsesOf, startFakeGemini, type FakeGemini, type GeminiRequest } from '../helpers/gemini';
import {
	addApplication,
	createCandidate,
	createMember,
	createOrg,
	openRequirement,
	startApp,
	type Member,
	type Org,
	type RunningApp
} from '../helpers/hiring';
import { generalTemplate, hoursFromNow } from '../helpers/interviews';

/**
 * Issue 7, "Done when": the assistant never hands a recruiter a record of a department they do
 * not work for, even asked for by name or by id. Rita the recruiter works for Engineering (a
 * `user_departments` row); Bob Secret applied only to Account Executive, a Sales requirement,
 * where he has an interview still waiting on Ivan's feedback and an offer of 123,456 EUR. Una,
 * a recruiter with no department, asks the same questions and gets all of it — so the test can
 * fail. Both on the pattern assistant (no Gemini key) and on Gemini tool calling (the local fake,
 * scripted to call every tool with Bob's name and the ids of his records); for Gemini, what the
 * app sent back as tool results is inspected too.
 */

interface ChatAnswer {
	status: number;
	text: string;
	records: Array<{ type: string; id: string; label: string }>;
	source: string | undefined;
}

async function ask(url: string, who: Member, content: string): Promise<ChatAnswer> {
	const response = await fetch(`${url}/api/v1/ai/chat`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', authorization: `Bearer ${who.token}` },
		body: JSON.stringify({ messages: [{ role: 'user', content }] })
	});
	const raw = await response.text();
	let text = '';
	let done: Record<string, any> | undefined;
	for (const block of raw.split('\n\n')) {
		const event = /^event: (.+)$/m.exec(block)?.[1];
		const data = /^data: (.+)$/m.exec(block)?.[1];
		if (!event || !data) continue;
		const parsed = JSON.parse(data);
		if (event === 'reset') text = '';
		if (event === 'text') text += parsed.text;
		if (event === 'done') done = parsed;
	}
	return { status: response.status, text, records: done?.records ?? [], source: done?.source };
}

interface World {
	running: RunningApp;
	org: Org;
	una: Member;
	reqB: string;
	reqBReference: string;
	bob: string;
	bobInterview: string;
	bobOffer: string;
}

async function seed(running: RunningApp): Promise<World> {
	const org = await createOrg(running);
	const una = await createMember(running, 'recruiter', 'Una Unassigned');
	const sales = await running.admin.api.post('/departments', { name: 'Sales' });
	expect(sales.status, JSON.stringify(sales.body)).toBe(201);
	const template = await generalTemplate(org.recruiter);
	const reqA = await openRequirement(org, 'Backend Engineer');
	const reqB = await openRequirement(org, 'Account Executive', { department_id: sales.body.data.id });
	const jane = await createCandidate(org.recruiter, { name: 'Jane Kowalski', emails: ['jane@example.com'] });
	await addApplication(org.recruiter, reqA.id, jane.id, 'screening');
	const bob = await createCandidate(org.recruiter, {
		name: 'Bob Secret',
		emails: ['bob@example.com'],
		current_title: 'Deal Closer'
	});
	const bobApp = await addApplication(org.recruiter, reqB.id, bob.id, 'offer');
	const interview = await org.recruiter.api.post('/interviews', {
		application_id: bobApp.id,
		type: 'final',
		starts_at: hoursFromNow(-50),
		ends_at: hoursFromNow(-49),
		time_zone: 'Europe/Paris',
		panel: [{ user_id: org.interviewer.id, is_lead: true }],
		scorecard_template_id: template.id
	});
	expect(interview.status, JSON.stringify(interview.body)).toBe(201);
	const offer = await org.recruiter.api.post('/offers', {
		application_id: bobApp.id,
		base_salary: 123_456,
		currency: 'EUR',
		start_date: '2030-02-01',
		expiry_date: '2029-12-31'
	});
	expect(offer.status, JSON.stringify(offer.body)).toBe(201);
	const requirement = await running.admin.api.get(`/requirements/${reqB.id}`);
	expect(requirement.status).toBe(200);
	await assignDepartments(running, [{ userId: org.recruiter.id, departmentId: org.departmentId }]);
	return {
		running,
		org,
		una,
		reqB: reqB.id,
		reqBReference: requirement.body.data.reference,
		bob: bob.id,
		bobInterview: interview.body.data.interview.id,
		bobOffer: offer.body.data.id
	};
}

/** Everything of department B a leak would show (not the words of the question itself). */
function markers(w: World): string[] {
	return [
		w.bob,
		w.reqB,
		w.bobInterview,
		w.bobOffer,
		w.reqBReference,
		'Deal Closer',
		'123456',
		'123,456',
		'Ivan Interviewer'
	];
}

function recordIds(answer: ChatAnswer): string[] {
	return answer.records.map((r) => r.id);
}

const QUESTIONS = [
	'Find Bob Secret',
	'Summarise Bob Secret’s interviews',
	'Offers for Bob Secret',
	'Offers for Account Executive',
	'Who is waiting on feedback for the Account Executive role?',
	'Who is waiting on feedback?',
	'Pipeline for Account Executive',
	'Open requirements'
];

describe.each(BACKENDS)('the assistant and departments on %s', (backend) => {
	let fake: FakeGemini;
	let withAi: World;
	let without: World;
	const geminiEnv = {
		GEMINI_API_KEY: 'fake-key-for-the-assistant',
		GEMINI_BASE_URL: '',
		GEMINI_RETRY_BASE_MS: '50',
		GEMINI_TIMEOUT_MS: '5000'
	};

	beforeAll(async () => {
		// The model, once the scripted tool rounds are done, answers with every tool result it got:
		// whatever a tool leaked, the streamed answer would show too.
		fake = await startFakeGemini((request: GeminiRequest) => ({
			text: `Tool results: ${JSON.stringify(functionResponsesOf(request))}`,
			chunkSize: 60,
			chunkDelayMs: 1
		}));
		geminiEnv.GEMINI_BASE_URL = fake.url;
		withAi = await seed(await startApp(backend, geminiEnv));
		without = await seed(await startApp(backend));
	}, 300_000);

	afterAll(async () => {
		await withAi?.running.close();
		await without?.running.close();
		await fake?.close();
	});

	afterEach(() => {
		fake.requests.length = 0;
		fake.script.length = 0;
	});

	it('without Gemini, the assigned recruiter gets nothing of the other department, asked by name', async () => {
		const w = without;
		for (const q of QUESTIONS) {
			const rita = await ask(w.running.url, w.org.recruiter, q);
			expect(rita.status, q).toBe(200);
			expect(rita.source, q).toBe('heuristic');
			for (const m of markers(w)) expect(rita.text, `${q}: ${m}`).not.toContain(m);
			expect(rita.text, q).not.toMatch(/Bob Secret —|Bob Secret:|- Bob Secret/);
			expect(recordIds(rita), q).toEqual(expect.not.arrayContaining([w.bob, w.reqB, w.bobInterview, w.bobOffer]));
		}
		// "Open requirements" still answers with her own.
		expect((await ask(w.running.url, w.org.recruiter, 'Open requirements')).text).toContain('Backend Engineer');
	});

	it('without Gemini, the unassigned recruiter gets the same records', async () => {
		const w = without;
		const found = await ask(w.running.url, w.una, 'Find Bob Secret');
		expect(found.text).toContain('Deal Closer');
		expect(recordIds(found)).toContain(w.bob);
		const interviews = await ask(w.running.url, w.una, 'Summarise Bob Secret’s interviews');
		expect(recordIds(interviews)).toContain(w.bobInterview);
		for (const q of ['Offers for Bob Secret', 'Offers for Account Executive']) {
			const offers = await ask(w.running.url, w.una, q);
			expect(offers.text, q).toContain('123,456');
			expect(recordIds(offers), q).toContain(w.bobOffer);
		}
		for (const q of ['Who is waiting on feedback for the Account Executive role?', 'Who is waiting on feedback?']) {
			const feedback = await ask(w.running.url, w.una, q);
			expect(feedback.text, q).toContain('Ivan Interviewer');
			expect(recordIds(feedback), q).toContain(w.bobInterview);
		}
		const pipeline = await ask(w.running.url, w.una, 'Pipeline for Account Executive');
		expect(pipeline.text).toContain(w.reqBReference);
		expect(recordIds(pipeline)).toContain(w.reqB);
		expect((await ask(w.running.url, w.una, 'Open requirements')).text).toContain('Account Executive');
	});

	/** Scripts the fake to call every tool with Bob's name and his records' ids, then asks `who`. */
	async function askGeminiEverything(who: Member) {
		const w = withAi;
		fake.requests.length = 0;
		fake.script.push(
			{
				functionCalls: [
					{ name: 'search_candidates', args: { name: 'Bob Secret' } },
					{ name: 'find_requirements', args: { query: 'Account Executive' } }
				]
			},
			{
				functionCalls: [
					{ name: 'candidate_interviews', args: { candidate_id: w.bob } },
					{ name: 'find_offers', args: { candidate_id: w.bob } },
					{ name: 'find_offers', args: { requirement_id: w.reqB } },
					{ name: 'interviews_awaiting_feedback', args: { requirement_id: w.reqB } },
					{ name: 'interviews_awaiting_feedback', args: {} },
					{ name: 'pipeline_summary', args: { requirement_id: w.reqB } }
				]
			}
		);
		const answer = await ask(w.running.url, who, 'Tell me everything about Bob Secret and the Account Executive role');
		expect(answer.status).toBe(200);
		expect(answer.source).toBe('gemini');
		expect(fake.requests).toHaveLength(3);
		const results = functionResponsesOf(fake.requests[2]);
		expect(results.map((r) => r.name)).toEqual([
			'search_candidates',
			'find_requirements',
			'candidate_interviews',
			'find_offers',
			'find_offers',
			'interviews_awaiting_feedback',
			'interviews_awaiting_feedback',
			'pipeline_summary'
		]);
		return { answer, results: JSON.stringify(results) };
	}

	it('with Gemini, no tool result sent to the model, no streamed text and no listed record holds the other department', async () => {
		const w = withAi;
		const { answer, results } = await askGeminiEverything(w.org.recruiter);
		for (const m of [...markers(w), 'Bob Secret', 'Account Executive']) {
			expect(results, m).not.toContain(m);
			expect(answer.text, m).not.toContain(m);
		}
		expect(answer.text).toMatch(/^Tool results: /);
		expect(recordIds(answer)).toEqual(expect.not.arrayContaining([w.bob, w.reqB, w.bobInterview, w.bobOffer]));
		expect(answer.records).toEqual([]);
	});

	it('with Gemini, the unassigned recruiter’s same questions reach the records', async () => {
		const w = withAi;
		const { answer, results } = await askGeminiEverything(w.una);
		for (const m of [w.bob, w.reqB, w.bobInterview, w.bobOffer, '123456', 'Ivan Interviewer', 'Deal Closer']) {
			expect(results, m).toContain(m);
		}
		expect(answer.text).toContain(w.bobOffer);
		expect(recordIds(answer)).toEqual(expect.arrayContaining([w.bob, w.reqB, w.bobInterview, w.bobOffer]));
	});
});

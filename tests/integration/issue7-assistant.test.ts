import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/env';
import {
	functionResponsesOf,
	startFakeGemini,
	type FakeGemini,
	type GeminiReply,
	type GeminiRequest
} from '../helpers/gemini';
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
import { completeScorecard, generalTemplate, hoursFromNow } from '../helpers/interviews';

/**
 * The assistant (issue 7, part 6) through the built app: POST /ai/chat streams its answer as
 * server-sent events and ends with the records it used. With Gemini (the local fake, speaking
 * `:streamGenerateContent?alt=sse` with function calls) the tools run as the user; without it
 * the pattern assistant answers a fixed set of questions and says so. Neither ever hands out a
 * record the user cannot open — not in the text, not in what is sent to Gemini, not in the list.
 */

interface ChatEvent {
	event: string;
	data: Record<string, any>;
}

interface ChatAnswer {
	status: number;
	contentType: string | null;
	events: ChatEvent[];
	text: string;
	done: Record<string, any> | undefined;
	body: unknown;
}

/** POSTs to /ai/chat and reads the event stream to its end (or the JSON error). */
async function ask(url: string, who: Member, body: unknown): Promise<ChatAnswer> {
	const response = await fetch(`${url}/api/v1/ai/chat`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', authorization: `Bearer ${who.token}` },
		body: JSON.stringify(body)
	});
	const contentType = response.headers.get('content-type');
	if (!contentType?.startsWith('text/event-stream')) {
		return { status: response.status, contentType, events: [], text: '', done: undefined, body: await response.json() };
	}
	const raw = await response.text();
	const events: ChatEvent[] = [];
	for (const block of raw.split('\n\n')) {
		const event = /^event: (.+)$/m.exec(block)?.[1];
		const data = /^data: (.+)$/m.exec(block)?.[1];
		if (event && data) events.push({ event, data: JSON.parse(data) });
	}
	let text = '';
	for (const e of events) {
		if (e.event === 'reset') text = '';
		if (e.event === 'text') text += e.data.text;
	}
	return {
		status: response.status,
		contentType,
		events,
		text,
		done: events.find((e) => e.event === 'done')?.data,
		body: raw
	};
}

const question = (content: string) => ({ messages: [{ role: 'user', content }] });

interface World {
	running: RunningApp;
	org: Org;
	otherManager: Member;
	backendId: string;
	dataId: string;
	jane: { id: string; interviewId: string; applicationId: string };
	bob: { id: string; interviewId: string; offerId: string };
}

/**
 * Two requirements: Backend Engineer (Hanna's) and Data Scientist (Hal's). Jane is in Backend's
 * interview stage, interviewed yesterday by Ivan (submitted: strong yes) and Rita the recruiter
 * (not submitted). Two more candidates are in screening. Bob Secret is on Hal's requirement,
 * with an interview and an offer of 123,456 EUR.
 */
async function seed(running: RunningApp): Promise<World> {
	const org = await createOrg(running);
	const otherManager = await createMember(running, 'hiring_manager', 'Hal Other');
	const template = await generalTemplate(org.recruiter);
	const backend = await openRequirement(org, 'Backend Engineer', { must_have_skills: ['Go'] });
	const data = await openRequirement({ ...org, manager: otherManager }, 'Data Scientist');
	const jane = await createCandidate(org.recruiter, { name: 'Jane Kowalski', emails: ['jane@example.com'] });
	const janeApp = await addApplication(org.recruiter, backend.id, jane.id, 'interview');
	for (const name of ['Sam Screened', 'Sue Screened']) {
		const c = await createCandidate(org.recruiter, { name });
		await addApplication(org.recruiter, backend.id, c.id, 'screening');
	}
	const janeInterview = await org.recruiter.api.post('/interviews', {
		application_id: janeApp.id,
		type: 'technical',
		starts_at: hoursFromNow(-26),
		ends_at: hoursFromNow(-25),
		time_zone: 'Europe/Paris',
		panel: [{ user_id: org.interviewer.id, is_lead: true }, { user_id: org.recruiter.id }],
		scorecard_template_id: template.id
	});
	expect(janeInterview.status, JSON.stringify(janeInterview.body)).toBe(201);
	const janeInterviewId: string = janeInterview.body.data.interview.id;
	const submitted = await org.interviewer.api.post(
		`/interviews/${janeInterviewId}/scorecard/submit`,
		completeScorecard(template, 4, 'strong_yes')
	);
	expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);

	const bob = await createCandidate(org.recruiter, { name: 'Bob Secret', emails: ['bob@example.com'] });
	const bobApp = await addApplication(org.recruiter, data.id, bob.id, 'offer');
	const bobInterview = await org.recruiter.api.post('/interviews', {
		application_id: bobApp.id,
		type: 'final',
		starts_at: hoursFromNow(-50),
		ends_at: hoursFromNow(-49),
		time_zone: 'Europe/Paris',
		panel: [{ user_id: org.interviewer.id, is_lead: true }],
		scorecard_template_id: template.id
	});
	expect(bobInterview.status, JSON.stringify(bobInterview.body)).toBe(201);
	const offer = await org.recruiter.api.post('/offers', {
		application_id: bobApp.id,
		base_salary: 123_456,
		currency: 'EUR',
		start_date: '2030-02-01',
		expiry_date: '2029-12-31'
	});
	expect(offer.status, JSON.stringify(offer.body)).toBe(201);
	return {
		running,
		org,
		otherManager,
		backendId: backend.id,
		dataId: data.id,
		jane: { id: jane.id, interviewId: janeInterviewId, applicationId: janeApp.id },
		bob: { id: bob.id, interviewId: bobInterview.body.data.interview.id, offerId: offer.body.data.id }
	};
}

/**
 * A scripted "model" for the fake server: it looks the person up by the name in the question,
 * then asks for their interviews (or offers) with the id the tool returned, then answers from
 * the tool results it received — so whatever the tools leak, the answer would leak too.
 */
function toolUsingModel(request: GeminiRequest): GeminiReply {
	const question = [...(request.body.contents ?? [])]
		.reverse()
		.flatMap((c) => (c.role === 'user' ? (c.parts ?? []) : []))
		.find((p) => p.text)?.text;
	const responses = functionResponsesOf(request);
	const name = /(?:about|summarise|for)\s+([A-Z]\w+ [A-Z]\w+)/.exec(question ?? '')?.[1] ?? 'Jane Kowalski';
	const wantsOffers = /offer/i.test(question ?? '');
	if (responses.length === 0) return { functionCalls: [{ name: 'search_candidates', args: { name } }] };
	if (responses.length === 1) {
		const found = (responses[0].response as { candidates?: Array<{ id: string }> }).candidates ?? [];
		if (found.length === 0) return { text: 'I found nobody by that name that you can see.' };
		return {
			functionCalls: [
				wantsOffers
					? { name: 'find_offers', args: { candidate_id: found[0].id } }
					: { name: 'candidate_interviews', args: { candidate_id: found[0].id } }
			]
		};
	}
	return {
		text: `Here is what I found for ${name}: ${JSON.stringify(responses[1].response)}`,
		chunkSize: 40,
		chunkDelayMs: 5
	};
}

describe.each(BACKENDS)('the assistant on %s', (backend) => {
	let fake: FakeGemini;
	let withAi: World;
	let without: World;

	beforeAll(async () => {
		fake = await startFakeGemini(toolUsingModel);
		const [geminiApp, heuristicApp] = [
			await startApp(backend, {
				GEMINI_API_KEY: 'fake-key-for-the-assistant',
				GEMINI_BASE_URL: fake.url,
				GEMINI_RETRY_BASE_MS: '50',
				GEMINI_TIMEOUT_MS: '5000'
			}),
			await startApp(backend)
		];
		withAi = await seed(geminiApp);
		without = await seed(heuristicApp);
	});

	afterAll(async () => {
		await withAi?.running.close();
		await without?.running.close();
		await fake?.close();
	});

	afterEach(() => {
		fake.requests.length = 0;
		fake.script.length = 0;
	});

	it('with Gemini, streams an answer after a tool round trip and lists the records it used', async () => {
		const { running, org, jane } = withAi;
		const answer = await ask(running.url, org.admin, question("Please summarise Jane Kowalski's interviews"));
		expect(answer.status).toBe(200);
		expect(answer.contentType).toMatch(/^text\/event-stream/);
		// Three streamed calls: ask for a search, ask for the interviews, answer.
		expect(fake.requests).toHaveLength(3);
		expect(fake.requests.every((r) => r.stream)).toBe(true);
		const declared = fake.requests[0].body.tools?.[0].functionDeclarations?.map((d) => d.name) ?? [];
		expect(declared).toEqual(expect.arrayContaining(['search_candidates', 'candidate_interviews', 'find_offers']));
		expect(fake.requests[0].body.systemInstruction?.parts?.[0].text).toMatch(/only what this user may see/);
		// The tool results went back as functionResponse parts, after the model's functionCall turn.
		const second = fake.requests[1].body.contents ?? [];
		expect(second.at(-2)?.role).toBe('model');
		expect(second.at(-2)?.parts?.[0].functionCall?.name).toBe('search_candidates');
		expect(second.at(-1)?.parts?.[0].functionResponse?.name).toBe('search_candidates');
		const [found, interviews] = functionResponsesOf(fake.requests[2]);
		expect(JSON.stringify(found.response)).toContain(jane.id);
		expect(JSON.stringify(interviews.response)).toContain(jane.interviewId);
		// The admin is on no panel: Ivan's submitted recommendation is readable.
		expect(JSON.stringify(interviews.response)).toContain('strong_yes');

		const textEvents = answer.events.filter((e) => e.event === 'text');
		expect(textEvents.length, 'the answer arrives in several chunks').toBeGreaterThan(3);
		expect(answer.events.filter((e) => e.event === 'tool').map((e) => e.data.name)).toEqual([
			'search_candidates',
			'candidate_interviews'
		]);
		expect(answer.text).toMatch(/^Here is what I found for Jane Kowalski/);
		expect(answer.events.at(-1)?.event).toBe('done');
		expect(answer.done).toMatchObject({ source: 'gemini', model: expect.any(String), fallback_reason: null });
		expect(answer.done?.usage.calls).toBe(3);
		expect(answer.done?.usage.total_tokens).toBeGreaterThan(0);
		expect(answer.done?.records).toEqual(
			expect.arrayContaining([
				{ type: 'candidate', id: jane.id, label: 'Jane Kowalski', href: `/candidates/${jane.id}` },
				expect.objectContaining({ type: 'interview', id: jane.interviewId, href: `/interviews/${jane.interviewId}` })
			])
		);
	});

	it('accepts message + history, and answers 4xx with field details for bad input', async () => {
		const { running, org } = withAi;
		const answer = await ask(running.url, org.recruiter, {
			history: [
				{ role: 'user', content: 'Hello' },
				{ role: 'assistant', content: 'Hi! Ask me about your hiring.' }
			],
			message: 'Tell me about Jane Kowalski'
		});
		expect(answer.status).toBe(200);
		expect(fake.requests[0].body.contents?.map((c) => c.role)).toEqual(['user', 'model', 'user']);
		expect(answer.done?.source).toBe('gemini');

		for (const body of [{}, { messages: [] }, { messages: [{ role: 'assistant', content: 'Hi' }] }, { message: '' }]) {
			const bad = await ask(running.url, org.recruiter, body);
			expect(bad.status, JSON.stringify(body)).toBe(422);
			const error = (bad.body as { error: { details: Array<{ field: string }> } }).error;
			expect(error.details[0].field, JSON.stringify(bad.body)).toMatch(/^messages/);
		}
	});

	it('refuses roles that may not use AI', async () => {
		const { running, org } = withAi;
		for (const who of [org.viewer, org.interviewer, org.approver]) {
			const answer = await ask(running.url, who, question('Open requirements'));
			expect(answer.status, who.name).toBe(403);
		}
		expect(fake.requests).toHaveLength(0);
	});

	it('never sends Gemini, shows or lists an offer the user cannot open, even asked for by name', async () => {
		const { running, org, otherManager, bob } = withAi;
		// Hanna manages Backend, not Data Scientist: Bob's offer is not hers to open.
		expect((await org.manager.api.get(`/offers/${bob.offerId}`)).status).toBe(403);
		const answer = await ask(running.url, org.manager, question('What offer did we make for Bob Secret?'));
		expect(answer.status).toBe(200);
		expect(fake.requests).toHaveLength(3);
		const sent = JSON.stringify(fake.requests.map((r) => r.body));
		expect(sent).not.toContain(bob.offerId);
		expect(sent).not.toContain('123456');
		expect(functionResponsesOf(fake.requests[2])[1]).toEqual({ name: 'find_offers', response: { offers: [] } });
		expect(answer.text).not.toMatch(/123456|123,456/);
		expect(answer.done?.records.map((r: { type: string }) => r.type)).not.toContain('offer');

		// Hal, whose requirement it is, gets it — the same question, the same tools.
		fake.requests.length = 0;
		const his = await ask(running.url, otherManager, question('What offer did we make for Bob Secret?'));
		expect(JSON.stringify(functionResponsesOf(fake.requests[2])[1])).toContain('123456');
		expect(his.done?.records).toEqual(
			expect.arrayContaining([
				expect.objectContaining({ type: 'offer', id: bob.offerId, href: `/offers/${bob.offerId}` })
			])
		);
	});

	it('never sends Gemini interviews of another manager’s requirement, nor a scorecard before the asker submits theirs', async () => {
		const { running, org, bob, jane } = withAi;
		// Hanna asks about Bob's interviews (on Hal's requirement): the candidate, but no interview.
		expect((await org.manager.api.get(`/interviews/${bob.interviewId}`)).status).toBe(403);
		const hanna = await ask(running.url, org.manager, question('Please summarise Bob Secret’s interviews'));
		expect(hanna.status).toBe(200);
		const sentByHanna = JSON.stringify(fake.requests.map((r) => r.body));
		expect(sentByHanna).not.toContain(bob.interviewId);
		expect(hanna.done?.records.map((r: { type: string }) => r.type)).not.toContain('interview');
		expect(hanna.text).not.toContain(bob.interviewId);

		// Rita sits on Jane's panel and has not submitted: Ivan's recommendation stays hidden.
		fake.requests.length = 0;
		const rita = await ask(running.url, org.recruiter, question("Please summarise Jane Kowalski's interviews"));
		const interviews = functionResponsesOf(fake.requests[2])[1];
		expect(JSON.stringify(interviews.response)).toContain(jane.interviewId);
		const sentByRita = JSON.stringify(fake.requests.map((r) => r.body));
		expect(sentByRita).not.toContain('strong_yes');
		expect(rita.text).not.toContain('strong_yes');
	});

	it('falls back to the patterns when Gemini refuses, and says so', async () => {
		const { running, org } = withAi;
		fake.script.push({ status: 400 });
		const answer = await ask(running.url, org.recruiter, question('Open requirements'));
		expect(answer.status).toBe(200);
		expect(fake.requests).toHaveLength(1);
		expect(answer.done).toMatchObject({ source: 'heuristic', model: null });
		expect(answer.done?.fallback_reason).toMatch(/refused/);
		expect(answer.text).toMatch(/^Answered without AI/);
		expect(answer.text).toContain('Backend Engineer');

		// A failure after a tool round: the heuristic answers instead.
		fake.script.push({ functionCalls: [{ name: 'find_requirements', args: { status: 'open' } }] }, { status: 400 });
		const broken = await ask(running.url, org.recruiter, question('Open requirements'));
		expect(broken.done?.source).toBe('heuristic');
		expect(broken.text).toMatch(/^Answered without AI/);
	});

	it('withdraws a streamed answer that breaks off and answers by pattern instead', async () => {
		const { running, org } = withAi;
		fake.script.push({
			text: 'The open requirements are: Backend Engineer, and',
			chunkSize: 8,
			chunkDelayMs: 100,
			breakAfterChunks: 3
		});
		const answer = await ask(running.url, org.recruiter, question('Open requirements'));
		expect(answer.status).toBe(200);
		const kinds = answer.events.map((e) => e.event);
		// Some text arrived, then the reset, then the pattern answer and done.
		expect(kinds.indexOf('text')).toBeLessThan(kinds.indexOf('reset'));
		expect(kinds.slice(kinds.indexOf('reset') + 1)).toContain('text');
		expect(answer.events.find((e) => e.event === 'text')?.data.text).toBe('The open');
		expect(answer.text).toMatch(/^Answered without AI/);
		expect(answer.text).not.toContain('The open requirements are');
		expect(answer.done).toMatchObject({ source: 'heuristic', model: null });
	});

	it('bounds the tool rounds: the last call turns tools off, and a model that still asks falls back', async () => {
		const { running, org } = withAi;
		for (let i = 0; i < 5; i++) fake.script.push({ functionCalls: [{ name: 'find_requirements', args: {} }] });
		const answer = await ask(running.url, org.recruiter, question('Open requirements'));
		expect(fake.requests).toHaveLength(5);
		const modes = fake.requests.map((r) => r.body.toolConfig?.functionCallingConfig?.mode);
		expect(modes).toEqual(['AUTO', 'AUTO', 'AUTO', 'AUTO', 'NONE']);
		expect(answer.events.filter((e) => e.event === 'tool')).toHaveLength(4);
		expect(answer.done?.source).toBe('heuristic');
		expect(answer.done?.fallback_reason).toMatch(/kept asking for tools/);
		// Bad arguments go back to the model as an error it can correct, not as a failure.
		fake.script.push({ functionCalls: [{ name: 'pipeline_summary', args: { requirement_id: 'nope' } }] });
		const corrected = await ask(running.url, org.recruiter, question('Pipeline for nothing'));
		expect(functionResponsesOf(fake.requests[6])[0].response).toMatchObject({
			error: expect.stringMatching(/^Bad arguments/)
		});
		expect(corrected.done?.source).toBe('gemini');
	});

	it('without Gemini, answers who is waiting on feedback for a requirement', async () => {
		const { running, org, jane } = without;
		const answer = await ask(running.url, org.recruiter, question('Who is waiting on feedback for the backend role?'));
		expect(answer.status).toBe(200);
		expect(answer.done).toMatchObject({ source: 'heuristic', fallback_reason: 'No Gemini API key is configured' });
		expect(answer.text).toMatch(/^Answered without AI/);
		const line = answer.text.split('\n').find((l) => l.includes('Jane Kowalski'));
		expect(line, answer.text).toContain('Rita Recruiter');
		expect(line).not.toContain('Ivan Interviewer'); // submitted
		expect(answer.text).not.toContain('Bob Secret'); // another requirement
		expect(answer.done?.records).toEqual(
			expect.arrayContaining([expect.objectContaining({ type: 'interview', id: jane.interviewId })])
		);
		expect(fake.requests).toHaveLength(0);
	});

	it("without Gemini, summarises a candidate's interviews as the asker may see them", async () => {
		const { running, org, otherManager, jane, bob } = without;
		const admin = await ask(running.url, org.admin, question("Summarise Jane's interviews"));
		expect(admin.text).toMatch(/Jane Kowalski — Backend Engineer \(Interview\)/);
		expect(admin.text).toMatch(
			/Technical interview on \d{4}-\d\d-\d\d \(scheduled\), panel .*1 of 2 scorecards in — Ivan Interviewer: strong yes/
		);
		expect(admin.done?.records).toEqual(
			expect.arrayContaining([
				expect.objectContaining({ type: 'candidate', id: jane.id }),
				expect.objectContaining({ type: 'interview', id: jane.interviewId })
			])
		);
		// Rita is on the panel and has not submitted: no recommendation for her.
		const rita = await ask(running.url, org.recruiter, question("Summarise Jane's interviews"));
		expect(rita.text).toMatch(/1 of 2 scorecards in/);
		expect(rita.text).not.toMatch(/strong yes/);
		// Hanna does not manage Data Scientist: Bob's interview is not hers to see.
		const hanna = await ask(running.url, org.manager, question('Summarise Bob Secret’s interviews'));
		expect(hanna.text).toMatch(/No interviews you can see/);
		expect(hanna.done?.records.map((r: { id: string }) => r.id)).not.toContain(bob.interviewId);
		const hal = await ask(running.url, otherManager, question('Summarise Bob Secret’s interviews'));
		expect(hal.done?.records.map((r: { id: string }) => r.id)).toContain(bob.interviewId);
	});

	it('without Gemini, counts candidates in a stage, lists open requirements and offers as permitted', async () => {
		const { running, org, otherManager, backendId, bob } = without;
		const count = await ask(
			running.url,
			org.manager,
			question('How many candidates in screening for Backend Engineer?')
		);
		expect(count.text).toMatch(/2 candidates in Screening for REQ-\S+ Backend Engineer\./);
		expect(count.done?.records).toEqual([expect.objectContaining({ type: 'requirement', id: backendId })]);

		const open = await ask(running.url, org.manager, question('Open requirements'));
		expect(open.text).toMatch(/2 open requirements/);
		expect(open.text).toContain('Data Scientist');

		const hanna = await ask(running.url, org.manager, question('Offers for Bob Secret'));
		expect(hanna.text).toMatch(/No offers you can open for Bob Secret/);
		expect(hanna.text).not.toMatch(/123,456/);
		expect(hanna.done?.records.map((r: { type: string }) => r.type)).not.toContain('offer');
		const hal = await ask(running.url, otherManager, question('Offers for Bob Secret'));
		expect(hal.text).toMatch(/Bob Secret — Data Scientist: draft, 123,456 EUR/);
		expect(hal.done?.records).toEqual(
			expect.arrayContaining([expect.objectContaining({ type: 'offer', id: bob.offerId })])
		);
	});

	it('without Gemini, lists what it can answer when it does not recognise the question', async () => {
		const { running, org } = without;
		const answer = await ask(running.url, org.recruiter, question('Write me a poem about rabbits'));
		expect(answer.status).toBe(200);
		expect(answer.text).toMatch(/^Answered without AI.*did not recognise/);
		expect(answer.text).toContain('Who is waiting on feedback for <requirement>?');
		expect(answer.done).toMatchObject({ source: 'heuristic', records: [] });
	});
});

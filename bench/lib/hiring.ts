/** Hiring data for the issue-3 benchmarks, made through the public API as a client would. */
import { api, BENCH_PASSWORD, login, type Account } from './fixtures';

/** A JSON request to /api/v1 with the account's token; returns the envelope's `data`. */
export async function call(baseUrl: string, token: string, method: string, path: string, body?: unknown): Promise<any> {
	return (await api(baseUrl, method, `/api/v1${path}`, body, token)).data;
}

/** A user with a role, signed in; e-mails of every kind switched off when `quiet`. */
export async function createAccount(
	baseUrl: string,
	admin: Account,
	role: string,
	name: string,
	options: { quiet?: boolean } = {}
): Promise<Account & { name: string }> {
	const email = `${name.toLowerCase().replace(/[^a-z0-9]+/g, '.')}@bench.example`;
	await call(baseUrl, admin.token, 'POST', '/users', { email, name, password: BENCH_PASSWORD, role });
	const account = await login(baseUrl, email);
	if (options.quiet) {
		await call(baseUrl, account.token, 'PATCH', `/users/${account.id}`, {
			email_preferences: {
				approval_needed: false,
				approval_reminder: false,
				requirement_approved: false,
				requirement_rejected: false,
				info_requested: false,
				requirement_opened: false
			}
		});
	}
	return { ...account, name };
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` at a time. */
export async function inParallel(
	count: number,
	concurrency: number,
	task: (i: number) => Promise<void>
): Promise<void> {
	let next = 0;
	await Promise.all(
		Array.from({ length: Math.min(concurrency, count) }, async () => {
			while (next < count) await task(next++);
		})
	);
}

/** The id of the pending approval of a requirement held by `approverId` (from its chain). */
export async function pendingApprovalOf(
	baseUrl: string,
	token: string,
	requirementId: string,
	approverId: string
): Promise<string> {
	const chain = await call(baseUrl, token, 'GET', `/requirements/${requirementId}/approvals`);
	for (const round of chain.rounds) {
		for (const step of round.steps) {
			for (const a of step.approvals) if (a.status === 'pending' && a.approver_id === approverId) return a.id;
		}
	}
	throw new Error(`no pending approval of ${requirementId} for ${approverId}`);
}

/**
 * An interview on the panel of `panelists` (they must exist): a department, a requirement taken
 * through approval and opened, a candidate, an application, and the interview itself, each made
 * by the role that does it in the product. Returns the interview id.
 */
export async function scheduleInterview(
	baseUrl: string,
	admin: Account,
	panelists: Account[],
	options: { startsInHours?: number } = {}
): Promise<string> {
	const manager = await createAccount(baseUrl, admin, 'hiring_manager', 'Panel Manager', { quiet: true });
	const approver = await createAccount(baseUrl, admin, 'approver', 'Panel Approver', { quiet: true });
	const recruiter = await createAccount(baseUrl, admin, 'recruiter', 'Panel Recruiter', { quiet: true });
	const department = await call(baseUrl, admin.token, 'POST', '/departments', { name: 'Panel' });
	const requirement = await call(baseUrl, manager.token, 'POST', '/requirements', {
		title: 'Panel bench engineer',
		department_id: department.id,
		remote_policy: 'onsite'
	});
	await call(baseUrl, manager.token, 'POST', `/requirements/${requirement.id}/submit`, {});
	const approvalId = await pendingApprovalOf(baseUrl, approver.token, requirement.id, approver.id);
	await call(baseUrl, approver.token, 'POST', `/approvals/${approvalId}/approve`, {});
	await call(baseUrl, recruiter.token, 'POST', `/requirements/${requirement.id}/open`, {});
	const candidate = await call(baseUrl, recruiter.token, 'POST', '/candidates', { name: 'Pat Candidate' });
	const application = await call(baseUrl, recruiter.token, 'POST', `/requirements/${requirement.id}/applications`, {
		candidate_id: candidate.id
	});
	const startsAt = Date.now() + (options.startsInHours ?? 1) * 3_600_000;
	const scheduled = await call(baseUrl, recruiter.token, 'POST', '/interviews', {
		application_id: application.id,
		type: 'onsite',
		starts_at: new Date(startsAt).toISOString(),
		ends_at: new Date(startsAt + 3_600_000).toISOString(),
		time_zone: 'UTC',
		location: 'Room 1',
		panel: panelists.map((p, i) => ({ user_id: p.id, is_lead: i === 0 }))
	});
	return scheduled.interview.id as string;
}

import { loadConfig, type ProcessRole } from './config';
import { scheduleHousekeeping } from './jobs/housekeeping';
import { serveBoardMirrors } from './pipeline/service';
import { createRuntime, type Runtime, type RuntimeOptions } from './runtime';
import { createCollabServer } from '$sync/server';
import { jobDefinitions } from '$worker/jobs';
import { approvalRemindersJob } from '$worker/jobs/approval-reminders';
import { interviewMaintenanceJob } from '$worker/jobs/interview-maintenance';

const HOUR_MS = 60 * 60 * 1000;

export interface BootOptions extends Partial<Omit<RuntimeOptions, 'config'>> {
	env?: Record<string, string | undefined>;
}

/**
 * Builds the runtime of one process. `embedded` is the all-in-one default: PGlite, the
 * in-process job runner and the sync server on the app's own HTTP server. `web` only serves
 * pages and the API (jobs go to BullMQ; live-document writes go through Redis).
 */
export async function bootProcess(role: ProcessRole, options: BootOptions = {}): Promise<Runtime> {
	const config = loadConfig(options.env ?? process.env, role);
	const rt = await createRuntime({ jobDefinitions, ...options, config });
	try {
		// `web` and `worker` keep a sync instance without a listener, so REST changes and jobs (an AI
		// draft put into a description) reach live documents through Redis.
		rt.collab = await createCollabServer(rt, { acceptConnections: role === 'embedded' || role === 'sync' });
		// The sync process holds the board documents: it mirrors the card changes that the web
		// process and the worker publish on the bus.
		if (role === 'sync') await serveBoardMirrors(rt).ready;
		if (role === 'embedded' || role === 'worker') {
			await rt.jobs.startProcessing();
			scheduleHousekeeping(rt);
			// Hourly; each approval is reminded at most once a day (the job checks).
			await rt.jobs.schedule('approval-reminders', HOUR_MS, approvalRemindersJob, {});
			// Overdue feedback reminders and offer expiry.
			await rt.jobs.schedule('interview-maintenance', HOUR_MS, interviewMaintenanceJob, {});
		}
	} catch (err) {
		await rt.close();
		throw err;
	}
	return rt;
}

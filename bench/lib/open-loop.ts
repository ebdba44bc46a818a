/**
 * Open-loop and closed-loop HTTP GET load over a rotating list of labelled paths, with
 * latency summaries overall and per label. Requests fire at fixed instants (every 1000/rate ms)
 * whether or not earlier answers came back; latency is measured from the scheduled instant.
 * HTTP/1.1 keep-alive, up to 256 sockets.
 */
import http from 'node:http';
import { cpuMsOf, cpuWindow, sleep } from './proc';
import { Samples, round, summarize } from './stats';

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

export interface LabelledPath {
	label: string;
	path: string;
}

/** One GET: its status (−1 on a network error or timeout) and the body size. */
export function get(port: number, path: string, token: string): Promise<{ status: number; bytes: number }> {
	return new Promise((resolve) => {
		const req = http.request(
			{
				host: '127.0.0.1',
				port,
				path,
				method: 'GET',
				agent,
				headers: { authorization: `Bearer ${token}` },
				timeout: 10_000
			},
			(res) => {
				let bytes = 0;
				res.on('data', (chunk: Buffer) => (bytes += chunk.length));
				res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
				res.on('error', () => resolve({ status: -1, bytes }));
			}
		);
		req.on('timeout', () => req.destroy(new Error('timeout')));
		req.on('error', () => resolve({ status: -1, bytes: 0 }));
		req.end();
	});
}

export interface OpenLoopResult {
	machineCpu: ReturnType<ReturnType<typeof cpuWindow>>;
	rate: number;
	seconds: number;
	sent: number;
	ok: number;
	failed: number;
	statuses: Record<string, number>;
	achievedRps: number;
	latencyMs: ReturnType<typeof summarize>;
	byKind: Record<string, { latencyMs: ReturnType<typeof summarize>; meanBytes: number }>;
	sendLagMs: ReturnType<typeof summarize>;
	serverCpuPercent: number | null;
	serverCpuMsPerRequest: number | null;
	generatorCpuPercent: number;
}

/** Fires `rate` GETs per second for `seconds`, rotating through `paths`, each at its instant. */
export async function openLoop(
	server: { port: number; pid: number },
	token: string,
	paths: LabelledPath[],
	rate: number,
	seconds: number
): Promise<OpenLoopResult> {
	const interval = 1000 / rate;
	const total = Math.round(rate * seconds);
	const latency = new Samples();
	const lag = new Samples();
	const kinds = new Map(paths.map((p) => [p.label, { samples: new Samples(), bytes: 0, n: 0 }]));
	const statuses: Record<string, number> = {};
	let done = 0;
	let ok = 0;
	const serverCpu0 = cpuMsOf(server.pid);
	const ownCpu0 = process.cpuUsage();
	const window = cpuWindow(() => [server.pid]);
	const start = performance.now() + 20;
	let finished!: () => void;
	const allDone = new Promise<void>((resolve) => (finished = resolve));
	let i = 0;
	while (i < total) {
		const now = performance.now();
		while (i < total && start + i * interval <= now) {
			const scheduled = start + i * interval;
			lag.push(now - scheduled);
			const { label, path } = paths[i % paths.length];
			i++;
			void get(server.port, path, token).then(({ status, bytes }) => {
				const ms = performance.now() - scheduled;
				latency.push(ms);
				const kind = kinds.get(label)!;
				kind.samples.push(ms);
				kind.bytes += bytes;
				kind.n++;
				statuses[status] = (statuses[status] ?? 0) + 1;
				if (status === 200) ok++;
				if (++done === total) finished();
			});
		}
		const next = start + i * interval;
		await sleep(Math.max(0, next - performance.now() - 0.5));
	}
	await allDone;
	const elapsed = performance.now() - start;
	const serverCpu1 = cpuMsOf(server.pid);
	const ownCpu = process.cpuUsage(ownCpu0);
	const machineCpu = window();
	const serverCpuMs = serverCpu0 !== null && serverCpu1 !== null ? serverCpu1 - serverCpu0 : null;
	return {
		machineCpu,
		rate,
		seconds,
		sent: total,
		ok,
		failed: total - ok,
		statuses,
		achievedRps: round((total / elapsed) * 1000, 1),
		latencyMs: latency.summary(),
		byKind: Object.fromEntries(
			[...kinds].map(([label, k]) => [
				label,
				{ latencyMs: k.samples.summary(), meanBytes: Math.round(k.bytes / Math.max(1, k.n)) }
			])
		),
		sendLagMs: lag.summary(),
		serverCpuPercent: serverCpuMs !== null ? round((serverCpuMs / elapsed) * 100, 1) : null,
		serverCpuMsPerRequest: serverCpuMs !== null ? round(serverCpuMs / total, 3) : null,
		generatorCpuPercent: round(((ownCpu.user + ownCpu.system) / 1000 / elapsed) * 100, 1)
	};
}

/** Closed loop: `concurrency` clients, each sending its next request when the last answered. */
export async function closedLoop(
	server: { port: number },
	token: string,
	paths: LabelledPath[],
	concurrency: number,
	seconds: number
) {
	const latency = new Samples();
	let ok = 0;
	let failed = 0;
	let n = 0;
	const started = performance.now();
	const end = started + seconds * 1000;
	await Promise.all(
		Array.from({ length: concurrency }, async () => {
			while (performance.now() < end) {
				const t = performance.now();
				const { status } = await get(server.port, paths[n++ % paths.length].path, token);
				latency.push(performance.now() - t);
				if (status === 200) ok++;
				else failed++;
			}
		})
	);
	const elapsed = performance.now() - started;
	return { concurrency, seconds, ok, failed, rps: round((ok / elapsed) * 1000, 0), latencyMs: latency.summary() };
}

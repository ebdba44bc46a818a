import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface CpuProfileNode {
	id: number;
	callFrame: { functionName: string; url: string; lineNumber: number };
	children?: number[];
}

interface CpuProfile {
	nodes: CpuProfileNode[];
	samples: number[];
	timeDeltas: number[];
	startTime: number;
	endTime: number;
}

export interface ProfileSummary {
	file: string;
	wallMs: number;
	/** Sampled time that was not idle. */
	busyMs: number;
	/** Self time by package / file group, ms, largest first. */
	byModule: Array<[string, number]>;
	/** Self time by function, ms, largest first. */
	byFunction: Array<[string, number]>;
	/** Inclusive time of the product's own (and a few library) functions, ms. */
	inclusive: Array<[string, number]>;
}

function group(url: string, fn: string): string {
	if (!url) return `(${fn || 'native'})`;
	if (url.startsWith('wasm://')) return 'wasm (PGlite Postgres)';
	const nm = url.lastIndexOf('node_modules/');
	if (nm >= 0) {
		const rest = url.slice(nm + 'node_modules/'.length).split('/');
		return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
	}
	if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
	const main = url.indexOf('/work/');
	return main >= 0 ? url.slice(main).split('/').slice(3, 5).join('/') : url;
}

/** The monotonic clock V8 profiles use (CLOCK_MONOTONIC, µs): the same in every process. */
export const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

export interface ProfileOptions {
	/** Inclusive time for functions whose "name module" matches. */
	inclusiveMatch?: RegExp;
	/** Only samples between these instants (monotonicUs() of any process on this machine). */
	fromUs?: number;
	toUs?: number;
}

/** Summarises a V8 .cpuprofile: where the process spent its CPU (optionally in a window). */
export function summarizeCpuProfile(file: string, options: ProfileOptions = {}): ProfileSummary {
	const { inclusiveMatch, fromUs = -Infinity, toUs = Infinity } = options;
	const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
	const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
	const self = new Map<number, number>();
	let at = profile.startTime;
	for (let i = 0; i < profile.samples.length; i++) {
		at += profile.timeDeltas[i];
		if (at < fromUs || at > toUs) continue;
		self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + profile.timeDeltas[i] / 1000);
	}
	const byModule = new Map<string, number>();
	const byFunction = new Map<string, number>();
	let busy = 0;
	for (const [id, ms] of self) {
		const { functionName, url, lineNumber } = (nodes.get(id) as CpuProfileNode).callFrame;
		if (functionName === '(idle)') continue;
		busy += ms;
		const g = group(url, functionName);
		byModule.set(g, (byModule.get(g) ?? 0) + ms);
		const key = `${functionName || '(anonymous)'} ${url ? `${g}:${lineNumber + 1}` : ''}`.trim();
		byFunction.set(key, (byFunction.get(key) ?? 0) + ms);
	}
	// Inclusive time for functions matching `inclusiveMatch` (counted once per stack).
	const inclusive = new Map<string, number>();
	if (inclusiveMatch) {
		const parent = new Map<number, number>();
		for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
		for (const [id, ms] of self) {
			const seen = new Set<string>();
			for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
				const { functionName, url } = (nodes.get(cur) as CpuProfileNode).callFrame;
				const key = `${functionName || '(anonymous)'} ${group(url, functionName)}`;
				if (!inclusiveMatch.test(key) || seen.has(key)) continue;
				seen.add(key);
				inclusive.set(key, (inclusive.get(key) ?? 0) + ms);
			}
		}
	}
	const top = (m: Map<string, number>, n: number) =>
		[...m]
			.sort((a, b) => b[1] - a[1])
			.slice(0, n)
			.map(([k, v]) => [k, Math.round(v)] as [string, number]);
	return {
		file,
		wallMs: Math.round((Math.min(toUs, profile.endTime) - Math.max(fromUs, profile.startTime)) / 1000),
		busyMs: Math.round(busy),
		byModule: top(byModule, 15),
		byFunction: top(byFunction, 20),
		inclusive: top(inclusive, 25)
	};
}

/** The newest .cpuprofile in a folder. */
export function newestProfile(dir: string): string | null {
	const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
	if (files.length === 0) return null;
	return path.join(dir, files.sort().pop() as string);
}

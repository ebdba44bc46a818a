import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import path from 'node:path';

export interface Machine {
	nproc: number;
	cpuModel: string;
	ramGiB: number;
	node: string;
	os: string;
	date: string;
	/** Load average when the benchmark started (other work on the machine skews results). */
	loadavg: number[];
	commit: string;
	/** BENCH_NICE the benchmark's processes ran at (0: same priority as everything else). */
	nice: number;
}

export function machineInfo(): Machine {
	let cpuModel = cpus()[0]?.model ?? 'unknown';
	try {
		const line = readFileSync('/proc/cpuinfo', 'utf8')
			.split('\n')
			.find((l) => l.startsWith('model name'));
		if (line) cpuModel = line.split(':')[1].trim();
	} catch {
		// not Linux
	}
	let nproc = cpus().length;
	try {
		nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || nproc;
	} catch {
		// no nproc
	}
	let commit = 'unknown';
	try {
		commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
		const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim();
		if (dirty) commit += ' (+ uncommitted changes)';
	} catch {
		// not a git checkout
	}
	let os = `${process.platform} ${process.arch}`;
	try {
		os = execFileSync('uname', ['-sr'], { encoding: 'utf8' }).trim();
	} catch {
		// no uname
	}
	return {
		nproc,
		cpuModel,
		ramGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
		node: process.version,
		os,
		date: new Date().toISOString(),
		loadavg: loadavg().map((v) => Math.round(v * 100) / 100),
		commit,
		nice: Number(process.env.BENCH_NICE ?? 0)
	};
}

export const RESULTS_DIR = path.resolve('bench/results');

/** Writes bench/results/<name>.json: what the benchmark measured, on which machine. */
export function writeResult(name: string, result: Record<string, unknown>): string {
	mkdirSync(RESULTS_DIR, { recursive: true });
	const file = path.join(RESULTS_DIR, `${name}.json`);
	writeFileSync(file, JSON.stringify({ name, machine: machineInfo(), ...result }, null, '\t') + '\n');
	return file;
}

/** One line per step so a long run shows progress. */
export function log(...parts: unknown[]): void {
	const time = new Date().toISOString().slice(11, 23);
	console.log(`[${time}]`, ...parts);
}

/** `--name value` from the command line as a number, else the fallback. */
export function numberArg(name: string, fallback: number): number {
	const args = process.argv.slice(2);
	const i = args.indexOf(`--${name}`);
	const value = i >= 0 ? Number(args[i + 1]) : NaN;
	return Number.isFinite(value) ? value : fallback;
}

export function flag(name: string): boolean {
	return process.argv.slice(2).includes(`--${name}`);
}

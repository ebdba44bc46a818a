/** Percentiles and summaries of latency samples (milliseconds). */

export interface Summary {
	count: number;
	min: number;
	mean: number;
	p50: number;
	p90: number;
	p95: number;
	p99: number;
	p999: number;
	max: number;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
	if (sorted.length === 0) return NaN;
	const rank = Math.ceil((p / 100) * sorted.length);
	return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function summarize(samples: ArrayLike<number>): Summary {
	const sorted = Float64Array.from(samples).sort();
	let sum = 0;
	for (const v of sorted) sum += v;
	const round = (v: number) => Math.round(v * 1000) / 1000;
	return {
		count: sorted.length,
		min: round(sorted[0] ?? NaN),
		mean: round(sum / sorted.length),
		p50: round(percentile(sorted, 50)),
		p90: round(percentile(sorted, 90)),
		p95: round(percentile(sorted, 95)),
		p99: round(percentile(sorted, 99)),
		p999: round(percentile(sorted, 99.9)),
		max: round(sorted[sorted.length - 1] ?? NaN)
	};
}

/** A growable Float64 sample buffer (millions of samples without boxing). */
export class Samples {
	private data = new Float64Array(1024);
	length = 0;

	push(value: number): void {
		if (this.length === this.data.length) {
			const next = new Float64Array(this.data.length * 2);
			next.set(this.data);
			this.data = next;
		}
		this.data[this.length++] = value;
	}

	values(): Float64Array {
		return this.data.subarray(0, this.length);
	}

	summary(): Summary {
		return summarize(this.values());
	}
}

export const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

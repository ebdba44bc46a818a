/**
 * A token bucket per client key (signed-in user, else address), in this process's memory.
 * Enough to stop one client flooding one process; the login throttle is separate and shared.
 */
export class RateLimiter {
	private readonly buckets = new Map<string, { tokens: number; updated: number }>();
	/** Time of the last sweep of idle buckets, on the clock `take` is given. */
	private lastSweep: number | null = null;

	constructor(
		private readonly perMinute: number,
		private readonly burst = Math.max(10, Math.ceil(perMinute / 4))
	) {}

	/** Takes one token; returns seconds to wait when there is none. */
	take(key: string, now = Date.now()): { allowed: boolean; retryAfterSeconds: number } {
		if (this.perMinute <= 0) return { allowed: true, retryAfterSeconds: 0 };
		const rate = this.perMinute / 60_000;
		const bucket = this.buckets.get(key) ?? { tokens: this.burst, updated: now };
		bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.updated) * rate);
		bucket.updated = now;
		this.buckets.set(key, bucket);
		this.lastSweep ??= now;
		if (now - this.lastSweep > 60_000) this.sweep(now);
		if (bucket.tokens >= 1) {
			bucket.tokens -= 1;
			return { allowed: true, retryAfterSeconds: 0 };
		}
		return { allowed: false, retryAfterSeconds: Math.ceil((1 - bucket.tokens) / rate / 1000) };
	}

	private sweep(now: number) {
		this.lastSweep = now;
		for (const [key, bucket] of this.buckets) {
			if (now - bucket.updated > 5 * 60_000) this.buckets.delete(key);
		}
	}
}

import { describe, expect, it } from 'vitest';
import { loadedOnce, openingEngine, readAhead, takeReadAhead } from './response-read-ahead';

describe('reads ahead of a questionnaire page', () => {
	it('hands the reads started at the tap to the page once, and never stale ones', async () => {
		const reads = { stored: Promise.resolve(undefined), forms: Promise.resolve([]) };
		readAhead('response-a', reads, 1_000);
		expect(takeReadAhead('response-a', 1_500)).toBe(reads);
		expect(takeReadAhead('response-a', 1_600)).toBeUndefined();
		readAhead('response-b', reads, 1_000);
		expect(takeReadAhead('response-b', 7_000)).toBeUndefined();
	});

	it('keeps a failed read for the page to see, without an unhandled rejection', async () => {
		const failed = Promise.reject(new Error('disk'));
		readAhead('response-c', { stored: failed, forms: Promise.resolve([]) }, 1_000);
		await new Promise((resolve) => setTimeout(resolve, 0));
		await expect(takeReadAhead('response-c', 1_001)?.stored).rejects.toThrow('disk');
	});

	it('loads the engine’s opening functions once, then has them at hand', async () => {
		const first = await openingEngine();
		expect(typeof first.openResponse).toBe('function');
		expect(openingEngine()).toBe(first);
	});

	it('loads once, shares the load in flight, and tries again after a failure', async () => {
		let calls = 0;
		const get = loadedOnce(async () => {
			calls += 1;
			if (calls === 1) throw new Error('offline');
			return 'module';
		});
		await expect(get()).rejects.toThrow('offline');
		const [a, b] = [get(), get()];
		expect(a).toBe(b);
		expect(await a).toBe('module');
		expect(get()).toBe('module');
		expect(calls).toBe(2);
	});
});

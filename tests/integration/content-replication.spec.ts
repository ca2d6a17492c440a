import { gzipSync } from 'node:zlib';
import PouchDB from 'pouchdb';
import memoryAdapter from 'pouchdb-adapter-memory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONTENT_DIR } from '../../couch-setup/content';
import { startTestDazzle, type TestDazzle } from '../support/dazzle';

PouchDB.plugin(memoryAdapter);

interface Traffic {
	requests: string[];
	bytes: number;
	gzipBytes: number;
	/** Requests not answered yet. */
	inFlight: Set<Promise<unknown>>;
}

const newTraffic = (): Traffic => ({ requests: [], bytes: 0, gzipBytes: 0, inFlight: new Set() });

/** A fetch for PouchDB's http adapter that records what crossed the wire. */
function countingFetch(traffic: Traffic): typeof fetch {
	return (input, init) => {
		const answered = (async () => {
			const response = await fetch(input, init);
			const body = new Uint8Array(await response.arrayBuffer());
			traffic.requests.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
			traffic.bytes += body.byteLength;
			traffic.gzipBytes += gzipSync(body).byteLength;
			return new Response(response.status === 204 || response.status === 304 ? null : body, {
				status: response.status,
				statusText: response.statusText,
				headers: response.headers
			});
		})();
		traffic.inFlight.add(answered);
		void answered.finally(() => traffic.inFlight.delete(answered)).catch(() => undefined);
		return answered;
	};
}

/**
 * Waits for the requests still on their way. PouchDB's replication asks the source for `info()`
 * at each checkpoint without waiting for it (nor catching it): one may still be in flight when
 * `replicate` resolves, and closing the server under it left an unhandled rejection.
 */
async function settled(traffic: Traffic): Promise<void> {
	while (traffic.inFlight.size > 0) await Promise.allSettled([...traffic.inFlight]);
}

async function pullLanguages(
	url: string,
	languages: string[]
): Promise<{ traffic: Traffic; ids: string[] }> {
	const traffic = newTraffic();
	const remote = new PouchDB(`${url}/couch/content`, {
		skip_setup: true,
		fetch: countingFetch(traffic)
	});
	const local = new PouchDB(`learn-${Math.random().toString(36).slice(2)}`, { adapter: 'memory' });
	try {
		const result = await local.replicate.from(remote, {
			selector: { lang: { $in: languages } },
			checkpoint: 'target'
		});
		expect(result.ok).toBe(true);
		const ids = (await local.allDocs()).rows.map((row) => row.id).sort();
		return { traffic, ids };
	} finally {
		await settled(traffic);
		await local.destroy();
		await remote.close();
	}
}

describe('Learn content replication through the gateway', () => {
	let dazzle: TestDazzle;
	beforeAll(async () => {
		dazzle = await startTestDazzle();
		await dazzle.ready;
	});
	afterAll(async () => {
		await dazzle?.dispose();
	});

	it('pulls only the chosen languages with a selector, anonymously, and stays up to date', async () => {
		const traffic = newTraffic();
		const remote = new PouchDB(`${dazzle.url}/couch/content`, {
			skip_setup: true,
			fetch: countingFetch(traffic)
		});
		const local = new PouchDB<{ lang?: string }>(`learn-${Date.now()}`, { adapter: 'memory' });
		const options = { selector: { lang: { $in: ['en', 'es'] } }, checkpoint: 'target' };
		try {
			const first = await local.replicate.from(remote, options);
			expect(first.ok).toBe(true);
			const docs = (await local.allDocs({ include_docs: true })).rows.map((row) => row.id).sort();
			expect(docs).toEqual([
				'article:consent-basics:en',
				'article:getting-help:en',
				'article:what-is-a-rare-disease:en',
				'article:what-is-a-rare-disease:es'
			]);
			expect(
				traffic.requests.some((request) => request.startsWith('POST /couch/content/_changes'))
			).toBe(true);
			console.info(
				`content replication (4 of 6 articles): ${traffic.requests.length} requests, ` +
					`${traffic.bytes} bytes of JSON, ~${traffic.gzipBytes} bytes gzipped`
			);

			// A second run transfers no documents: the checkpoint on the phone side is used.
			const before = traffic.requests.length;
			const second = await local.replicate.from(remote, options);
			expect(second.docs_written).toBe(0);
			expect(traffic.requests.slice(before).some((request) => request.includes('_bulk_get'))).toBe(
				false
			);
		} finally {
			await settled(traffic);
			await local.destroy();
			await remote.close();
		}
	});
});

describe('replicating the real Learn articles (measurement)', () => {
	let dazzle: TestDazzle;
	beforeAll(async () => {
		dazzle = await startTestDazzle({ contentDir: DEFAULT_CONTENT_DIR });
		await dazzle.ready;
	});
	afterAll(async () => {
		await dazzle?.dispose();
	});

	it('pulls exactly the English and Spanish articles', async () => {
		const stored = await dazzle.couch.docsWithPrefix('content', 'article:');
		const wanted = stored
			.filter((doc) => doc.lang === 'en' || doc.lang === 'es')
			.map((doc) => doc._id)
			.sort();
		const { traffic, ids } = await pullLanguages(dazzle.url, ['en', 'es']);
		expect(ids).toEqual(wanted);
		console.info(
			`real content: ${ids.length} of ${stored.length} articles in ${traffic.requests.length} ` +
				`requests, ${traffic.bytes} bytes of JSON, ~${traffic.gzipBytes} bytes gzipped`
		);
	});
});

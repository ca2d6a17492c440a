import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { DB_WRITE_EVENT } from '../events';
import { createLogger } from '../log';
import { Worker } from './index';

describe('Worker', () => {
	it('runs accepting handlers per written database and coalesces writes during a run', async () => {
		const events = new EventEmitter();
		const worker = new Worker(events, createLogger('silent'));
		const seen: string[] = [];
		let release: () => void = () => {};
		const gate = new Promise<void>((resolve) => (release = resolve));
		worker.register({
			name: 'test',
			accepts: (db) => db.startsWith('userdb-'),
			handle: async (db) => {
				seen.push(db);
				await gate;
			}
		});
		events.emit(DB_WRITE_EVENT, 'content');
		events.emit(DB_WRITE_EVENT, 'userdb-61');
		events.emit(DB_WRITE_EVENT, 'userdb-61');
		events.emit(DB_WRITE_EVENT, 'userdb-61');
		expect(seen).toEqual(['userdb-61']);
		release();
		await new Promise((resolve) => setTimeout(resolve, 10));
		expect(seen).toEqual(['userdb-61', 'userdb-61']);
		await worker.close();
		events.emit(DB_WRITE_EVENT, 'userdb-61');
		expect(seen).toHaveLength(2);
	});
});

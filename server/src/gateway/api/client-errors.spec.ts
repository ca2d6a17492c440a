import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../log';
import { clientErrorRoutes } from './client-errors';
import { RateLimiter } from './rate-limit';

describe('POST /api/client-errors', () => {
	const logged: { message: string; detail: unknown }[] = [];
	const logger: Logger = {
		debug: () => undefined,
		info: () => undefined,
		error: () => undefined,
		warn: (message, detail) => void logged.push({ message, detail })
	};
	let origin = '';
	let close: () => void = () => undefined;

	beforeAll(async () => {
		const app = express();
		app.use(express.json());
		app.use('/api', clientErrorRoutes(logger, new RateLimiter({ max: 2, windowMs: 60_000 })));
		const server = app.listen(0, '127.0.0.1');
		await new Promise((resolve) => server.once('listening', resolve));
		origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
		close = () => server.close();
	});
	afterAll(() => close());

	const post = (body: unknown) =>
		fetch(`${origin}/api/client-errors`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify(body)
		});

	it('writes a questionnaire that could not be opened to the server log', async () => {
		const response = await post({
			where: 'questionnaire',
			message: 'FormEngineError: no item at "/44250-9"',
			subject: 'https://example.org/q|1'
		});
		expect(response.status).toBe(204);
		expect(logged).toEqual([
			{
				message: 'client error in questionnaire',
				detail: {
					message: 'FormEngineError: no item at "/44250-9"',
					subject: 'https://example.org/q|1'
				}
			}
		]);
	});

	it('refuses other shapes and floods', async () => {
		expect((await post({ where: 'x', message: 'y', answers: ['secret'] })).status).toBe(400);
		expect((await post({ where: 'x', message: 'y' })).status).toBe(429);
		expect(logged).toHaveLength(1);
	});
});

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseByteSize, parseConfig, parseRateLimit } from './config';

describe('parseConfig', () => {
	it('applies the defaults', () => {
		const config = parseConfig({}, '/srv/dazzle');
		expect(config).toEqual({
			port: 3000,
			host: '127.0.0.1',
			dataDir: path.resolve('/srv/dazzle/data'),
			staticDir: path.resolve('/srv/dazzle/build'),
			couchUrl: undefined,
			couchAdmin: undefined,
			sessionMaxAgeDays: 30,
			publicOrigin: undefined,
			trustProxy: false,
			bodyLimit: 1024 * 1024,
			apiBodyLimit: 64 * 1024,
			embeddedMaxOpenDbs: 200,
			logLevel: 'info',
			contentDir: path.resolve('/srv/dazzle/couch-setup/content'),
			rateLimits: {
				signinPerUsername: { max: 10, windowMs: 15 * 60_000 },
				signinPerAddress: { max: 30, windowMs: 15 * 60_000 },
				signupPerAddress: { max: 10, windowMs: 3_600_000 },
				passwordPerUser: { max: 5, windowMs: 15 * 60_000 }
			}
		});
	});

	it('reads every variable', () => {
		const config = parseConfig(
			{
				PORT: '8080',
				HOST: '0.0.0.0',
				DATA_DIR: '/var/lib/dazzle',
				STATIC_DIR: 'dist',
				COUCH_URL: 'http://couch:5984/',
				COUCH_ADMIN_USER: 'admin',
				COUCH_ADMIN_PASSWORD: 'secret',
				SESSION_MAX_AGE_DAYS: '7',
				PUBLIC_ORIGIN: 'https://dazzle.example/',
				TRUST_PROXY: 'true',
				BODY_LIMIT: '2mb',
				API_BODY_LIMIT: '100kb',
				EMBEDDED_MAX_OPEN_DBS: '50',
				LOG_LEVEL: 'WARN'
			},
			'/srv'
		);
		expect(config).toMatchObject({
			port: 8080,
			host: '0.0.0.0',
			dataDir: '/var/lib/dazzle',
			staticDir: path.resolve('/srv/dist'),
			couchUrl: 'http://couch:5984',
			couchAdmin: { username: 'admin', password: 'secret' },
			sessionMaxAgeDays: 7,
			publicOrigin: 'https://dazzle.example',
			trustProxy: true,
			bodyLimit: 2 * 1024 * 1024,
			apiBodyLimit: 100 * 1024,
			embeddedMaxOpenDbs: 50,
			logLevel: 'warn'
		});
	});

	it('treats empty values as unset', () => {
		expect(parseConfig({ PORT: '', COUCH_URL: ' ', LOG_LEVEL: '' }).port).toBe(3000);
	});

	it('uses admin credentials without COUCH_URL for the embedded server', () => {
		const config = parseConfig({ COUCH_ADMIN_USER: 'me', COUCH_ADMIN_PASSWORD: 'pw' });
		expect(config.couchUrl).toBeUndefined();
		expect(config.couchAdmin).toEqual({ username: 'me', password: 'pw' });
	});

	it.each([
		['PORT', { PORT: 'eighty' }],
		['PORT', { PORT: '70000' }],
		['PORT', { PORT: '3.5' }],
		['SESSION_MAX_AGE_DAYS', { SESSION_MAX_AGE_DAYS: '0' }],
		['SESSION_MAX_AGE_DAYS', { SESSION_MAX_AGE_DAYS: 'forever' }],
		['COUCH_URL', { COUCH_URL: 'couch:5984' }],
		['COUCH_URL', { COUCH_URL: 'ftp://couch' }],
		['COUCH_ADMIN_USER', { COUCH_URL: 'http://couch:5984' }],
		['COUCH_ADMIN_PASSWORD', { COUCH_URL: 'http://couch:5984', COUCH_ADMIN_USER: 'admin' }],
		['COUCH_ADMIN_USER', { COUCH_ADMIN_PASSWORD: 'only-password' }],
		['COUCH_ADMIN_USER', { COUCH_ADMIN_USER: 'bad name', COUCH_ADMIN_PASSWORD: 'x' }],
		['PUBLIC_ORIGIN', { PUBLIC_ORIGIN: 'dazzle.example' }],
		['PUBLIC_ORIGIN', { PUBLIC_ORIGIN: 'https://dazzle.example/app' }],
		['TRUST_PROXY', { TRUST_PROXY: 'maybe' }],
		['BODY_LIMIT', { BODY_LIMIT: 'huge' }],
		['API_BODY_LIMIT', { API_BODY_LIMIT: '-1kb' }],
		['EMBEDDED_MAX_OPEN_DBS', { EMBEDDED_MAX_OPEN_DBS: '1' }],
		['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
		['RATE_LIMIT_SIGNIN_USERNAME', { RATE_LIMIT_SIGNIN_USERNAME: '10' }],
		['RATE_LIMIT_SIGNUP_ADDRESS', { RATE_LIMIT_SIGNUP_ADDRESS: '0/1h' }]
	])('names %s when it is bad', (variable, env) => {
		let caught: unknown;
		try {
			parseConfig(env);
		} catch (error) {
			caught = error;
		}
		expect(caught).toBeInstanceOf(ConfigError);
		expect((caught as ConfigError).variable).toBe(variable);
		expect((caught as ConfigError).message).toMatch(new RegExp(`^${variable}: `));
		expect((caught as ConfigError).message).not.toContain('\n');
	});
});

describe('parseByteSize', () => {
	it.each([
		['64kb', 65_536],
		['1mb', 1_048_576],
		['1.5MB', 1_572_864],
		['512', 512],
		['2 gb', 2 * 1024 ** 3]
	])('reads %s', (text, bytes) => {
		expect(parseByteSize(text)).toBe(bytes);
	});

	it.each(['', 'mb', '0', '1tb', '-5'])('refuses %j', (text) => {
		expect(parseByteSize(text)).toBeUndefined();
	});
});

describe('parseRateLimit', () => {
	it.each([
		['10/15m', { max: 10, windowMs: 900_000 }],
		['30 / 900s', { max: 30, windowMs: 900_000 }],
		['5/1H', { max: 5, windowMs: 3_600_000 }]
	])('reads %s', (text, rule) => {
		expect(parseRateLimit(text)).toEqual(rule);
	});

	it.each(['', '10', '0/1m', '10/0s', '10/15d', '-1/1m', '1.5/1m'])('refuses %j', (text) => {
		expect(parseRateLimit(text)).toBeUndefined();
	});
});

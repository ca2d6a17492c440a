import path from 'node:path';
import { z } from 'zod';

/** A missing or bad setting: the message is one line naming the variable. */
export class ConfigError extends Error {
	override name = 'ConfigError';
	constructor(
		readonly variable: string,
		detail: string
	) {
		super(`${variable}: ${detail}`);
	}
}

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** Parses `64kb`, `1mb`, `1048576` into bytes; undefined when unreadable. */
export function parseByteSize(text: string): number | undefined {
	const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(text.trim());
	if (!match) return undefined;
	const bytes = Number(match[1]) * (SIZE_UNITS[(match[2] ?? 'b').toLowerCase()] ?? 1);
	return Number.isFinite(bytes) && bytes > 0 ? Math.floor(bytes) : undefined;
}

const emptyAsUndefined = (value: unknown) =>
	typeof value === 'string' && value.trim() === '' ? undefined : value;

const optionalText = z.preprocess(emptyAsUndefined, z.string().optional());

const booleanText = z.preprocess(
	emptyAsUndefined,
	z
		.enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' })
		.default('false')
		.transform((value) => value === 'true' || value === '1' || value === 'yes')
);

const integerText = (fallback: number, min: number, max: number) =>
	z.preprocess(
		emptyAsUndefined,
		z.coerce
			.number({ error: 'expected a whole number' })
			.int({ error: 'expected a whole number' })
			.min(min, { error: `expected at least ${min}` })
			.max(max, { error: `expected at most ${max}` })
			.default(fallback)
	);

const byteSizeText = (fallback: string) =>
	z.preprocess(
		emptyAsUndefined,
		z
			.string()
			.default(fallback)
			.transform((value, context) => {
				const bytes = parseByteSize(value);
				if (bytes === undefined) {
					context.addIssue({ code: 'custom', message: 'expected a size like 64kb or 1mb' });
					return z.NEVER;
				}
				return bytes;
			})
	);

const httpUrlText = z.preprocess(
	emptyAsUndefined,
	z
		.url({ protocol: /^https?$/, error: 'expected an http(s) URL' })
		.optional()
		.transform((value) => value?.replace(/\/+$/, ''))
);

const originText = z.preprocess(
	emptyAsUndefined,
	z
		.url({ protocol: /^https?$/, error: 'expected an origin like https://dazzle.example' })
		.optional()
		.transform((value, context) => {
			if (value === undefined) return undefined;
			const url = new URL(value);
			if (url.pathname !== '/' || url.search || url.hash || url.username) {
				context.addIssue({ code: 'custom', message: 'expected an origin without a path' });
				return z.NEVER;
			}
			return url.origin;
		})
);

/** At most `max` requests per `windowMs`, counted per key (address, username, user). */
export interface RateLimitRule {
	max: number;
	windowMs: number;
}

const DURATION_UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000 };

/** Parses `10/15m`, `30/900s`, `10/1h` into a rule; undefined when unreadable. Pure. */
export function parseRateLimit(text: string): RateLimitRule | undefined {
	const match = /^(\d{1,7})\s*\/\s*(\d{1,5})\s*(s|m|h)$/i.exec(text.trim());
	if (!match) return undefined;
	const max = Number(match[1]);
	const windowMs = Number(match[2]) * (DURATION_UNITS[(match[3] ?? 's').toLowerCase()] ?? 1_000);
	return max >= 1 && windowMs >= 1_000 ? { max, windowMs } : undefined;
}

const rateLimitText = (fallback: string) =>
	z.preprocess(
		emptyAsUndefined,
		z
			.string()
			.default(fallback)
			.transform((value, context) => {
				const rule = parseRateLimit(value);
				if (!rule) {
					context.addIssue({
						code: 'custom',
						message: 'expected a limit like 10/15m, 30/900s or 5/1h'
					});
					return z.NEVER;
				}
				return rule;
			})
	);

const envSchema = z.object({
	PORT: integerText(3000, 0, 65_535),
	HOST: z.preprocess(emptyAsUndefined, z.string().default('127.0.0.1')),
	DATA_DIR: z.preprocess(emptyAsUndefined, z.string().default('./data')),
	STATIC_DIR: z.preprocess(emptyAsUndefined, z.string().default('./build')),
	CONTENT_DIR: z.preprocess(emptyAsUndefined, z.string().default('./couch-setup/content')),
	COUCH_URL: httpUrlText,
	COUCH_ADMIN_USER: optionalText,
	COUCH_ADMIN_PASSWORD: optionalText,
	SESSION_MAX_AGE_DAYS: integerText(30, 1, 3650),
	PUBLIC_ORIGIN: originText,
	TRUST_PROXY: booleanText,
	BODY_LIMIT: byteSizeText('1mb'),
	API_BODY_LIMIT: byteSizeText('64kb'),
	EMBEDDED_MAX_OPEN_DBS: integerText(200, 10, 100_000),
	RATE_LIMIT_SIGNIN_USERNAME: rateLimitText('10/15m'),
	RATE_LIMIT_SIGNIN_ADDRESS: rateLimitText('30/15m'),
	RATE_LIMIT_SIGNUP_ADDRESS: rateLimitText('10/1h'),
	RATE_LIMIT_PASSWORD_USER: rateLimitText('5/15m'),
	LOG_LEVEL: z.preprocess(
		(value) => (typeof value === 'string' ? emptyAsUndefined(value.toLowerCase()) : value),
		z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` }).default('info')
	)
});

export interface CouchAdmin {
	username: string;
	password: string;
}

/**
 * Kept in memory by each gateway instance (DESIGN.md): behind N gateways a client gets up to
 * N times the limit, and a restart forgets the counts.
 */
export interface RateLimits {
	/** `POST /couch/_session` (and sign-up retries that check a password), per username. */
	signinPerUsername: RateLimitRule;
	/** `POST /couch/_session`, per client address. */
	signinPerAddress: RateLimitRule;
	/** `POST /api/signup`, per client address. */
	signupPerAddress: RateLimitRule;
	/** Requests that check the account password (password change, account deletion), per user. */
	passwordPerUser: RateLimitRule;
}

export interface DazzleConfig {
	/** Gateway port; 0 picks a free one. */
	port: number;
	host: string;
	/** Absolute; leveldb lives in dataDir/couch, generated credentials in dataDir/admin.json. */
	dataDir: string;
	/** Absolute; the SvelteKit static build. */
	staticDir: string;
	/** External CouchDB; undefined starts the embedded server. */
	couchUrl?: string;
	/** Required with couchUrl; with the embedded server, overrides the generated admin. */
	couchAdmin?: CouchAdmin;
	sessionMaxAgeDays: number;
	publicOrigin?: string;
	trustProxy: boolean;
	/** Bytes accepted on /couch request bodies. */
	bodyLimit: number;
	/** Bytes accepted on /api request bodies. */
	apiBodyLimit: number;
	embeddedMaxOpenDbs: number;
	logLevel: LogLevel;
	/** Where Learn articles are read from (couch-setup/content by default). */
	contentDir: string;
	rateLimits: RateLimits;
}

/** Parses the environment; throws ConfigError naming the first bad variable. Pure. */
export function parseConfig(
	env: Record<string, string | undefined>,
	cwd: string = process.cwd()
): DazzleConfig {
	const result = envSchema.safeParse(env);
	if (!result.success) {
		const issue = result.error.issues[0];
		const variable = String(issue?.path[0] ?? 'environment');
		throw new ConfigError(variable, issue?.message ?? 'invalid');
	}
	const value = result.data;
	const hasUser = value.COUCH_ADMIN_USER !== undefined;
	const hasPassword = value.COUCH_ADMIN_PASSWORD !== undefined;
	if (value.COUCH_URL && !hasUser) {
		throw new ConfigError('COUCH_ADMIN_USER', 'required when COUCH_URL is set');
	}
	if (hasUser !== hasPassword) {
		throw new ConfigError(
			hasUser ? 'COUCH_ADMIN_PASSWORD' : 'COUCH_ADMIN_USER',
			'set both COUCH_ADMIN_USER and COUCH_ADMIN_PASSWORD, or neither'
		);
	}
	if (hasUser && !/^[A-Za-z0-9._-]{1,64}$/.test(value.COUCH_ADMIN_USER ?? '')) {
		throw new ConfigError('COUCH_ADMIN_USER', 'expected 1-64 letters, digits, dots, _ or -');
	}
	return {
		port: value.PORT,
		host: value.HOST,
		dataDir: path.resolve(cwd, value.DATA_DIR),
		staticDir: path.resolve(cwd, value.STATIC_DIR),
		couchUrl: value.COUCH_URL,
		couchAdmin:
			value.COUCH_ADMIN_USER !== undefined && value.COUCH_ADMIN_PASSWORD !== undefined
				? { username: value.COUCH_ADMIN_USER, password: value.COUCH_ADMIN_PASSWORD }
				: undefined,
		sessionMaxAgeDays: value.SESSION_MAX_AGE_DAYS,
		publicOrigin: value.PUBLIC_ORIGIN,
		trustProxy: value.TRUST_PROXY,
		bodyLimit: value.BODY_LIMIT,
		apiBodyLimit: value.API_BODY_LIMIT,
		embeddedMaxOpenDbs: value.EMBEDDED_MAX_OPEN_DBS,
		logLevel: value.LOG_LEVEL,
		contentDir: path.resolve(cwd, value.CONTENT_DIR),
		rateLimits: {
			signinPerUsername: value.RATE_LIMIT_SIGNIN_USERNAME,
			signinPerAddress: value.RATE_LIMIT_SIGNIN_ADDRESS,
			signupPerAddress: value.RATE_LIMIT_SIGNUP_ADDRESS,
			passwordPerUser: value.RATE_LIMIT_PASSWORD_USER
		}
	};
}

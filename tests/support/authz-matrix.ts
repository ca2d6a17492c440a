import { randomUUID } from 'node:crypto';

/**
 * The authorisation matrix of the gateway, as data: every actor × resource × operation has
 * one expected status class. `authz-matrix.spec.ts` sends each request through the gateway
 * (embedded server, or Apache CouchDB with AUTHZ_COUCH_URL) and checks the class.
 *
 * Classes: `2xx` allowed; `401` anonymous where sign-in would help; `403` not allowed (also
 * for anonymous where the allowlist refuses whatever the caller: `_users`, `_security`,
 * design docs, server-owned dbs); `400` the request was authorised and reached the account
 * logic, which refused its body on purpose (account deletion with a wrong password, so the
 * actors live on); `404` a patient record the actor has no access to (the API does not say
 * whether it exists); `n/a` the operation does not exist for the resource.
 *
 * Patient records: userA is the editor of its own sign-up record ("patient db of A") and of
 * a record it shared with userB as a viewer ("patient record shared with B"); researcher
 * and moderator are strangers to both. The researcher is a dedicated research account (#20):
 * it may not create or join records, and the gateway refuses it `directory`, `research` and
 * every record whatever CouchDB would allow; its own user database (settings) stays open.
 *
 * "admin" is a CouchDB server admin signed in through `/couch/_session`: CouchDB lets it read
 * every database, but the proxy's allowlist still refuses `_security`, `_config`, `_users`,
 * design docs and server-owned writes to everyone. Admin work never goes through the public
 * gateway; it has no Dazzle account, so `/api/account*` answers 403.
 */

export const ACTORS = ['anonymous', 'userA', 'userB', 'researcher', 'moderator', 'admin'] as const;
export type Actor = (typeof ACTORS)[number];

export const OPERATIONS = ['read', 'write', 'list', 'design', 'security'] as const;
export type Operation = (typeof OPERATIONS)[number];

export type Expected = '2xx' | '400' | '401' | '403' | '404' | 'n/a';

/** What a request may depend on, known once the actors exist. */
export interface MatrixContext {
	actor: Actor;
	/** The actor's username (undefined for anonymous and admin). */
	username?: string;
	/** The name the actor signs in with (for admin: the server admin's). */
	signInName?: string;
	/** The actor's password (for admin: the server admin's). */
	password?: string;
	nickname?: string;
	userDbA: string;
	userDbB: string;
	/** The research account's own user database (its settings). */
	userDbResearcher: string;
	patientDbA: string;
	/** A record userA created and shared with userB as a viewer. */
	sharedPatientId: string;
	/** The moderator's nickname: whom editors invite in the matrix. */
	inviteeNickname: string;
	nameA: string;
	/** Unique per request (fresh document ids, fresh sign-up names). */
	unique: string;
	/** A valid sign-up body with fresh names. */
	signupBody(): Record<string, unknown>;
}

export interface MatrixRequest {
	method: 'GET' | 'POST' | 'PUT' | 'DELETE';
	path: string;
	body?: unknown;
}

export type RequestFor = (context: MatrixContext) => MatrixRequest;

export interface MatrixResource {
	name: string;
	/** One request per operation; absent operations are `n/a` for every actor. */
	requests: Partial<Record<Operation, RequestFor>>;
	expected: Partial<Record<Operation, Record<Actor, Expected>>>;
}

/** Expectations in ACTORS order: anonymous, userA, userB, researcher, moderator, admin. */
function row(...classes: [Expected, Expected, Expected, Expected, Expected, Expected]) {
	return Object.fromEntries(ACTORS.map((actor, index) => [actor, classes[index]])) as Record<
		Actor,
		Expected
	>;
}
const everyone = (expected: Expected) =>
	row(expected, expected, expected, expected, expected, expected);

const NOTE = { type: 'note', text: 'authz matrix' };

/** A database the allowlist forwards: reads by membership, writes as `writes`. */
function database(
	name: string,
	db: (context: MatrixContext) => string,
	access: {
		read: Record<Actor, Expected>;
		write: Record<Actor, Expected>;
		readPath?: (context: MatrixContext) => string;
		writeBody?: unknown;
	}
): MatrixResource {
	return {
		name,
		requests: {
			read: (context) => ({
				method: 'GET',
				path: access.readPath?.(context) ?? `/couch/${db(context)}`
			}),
			write: (context) => ({
				method: 'PUT',
				path: `/couch/${db(context)}/matrix-${context.unique}`,
				body: access.writeBody ?? NOTE
			}),
			list: (context) => ({ method: 'GET', path: `/couch/${db(context)}/_changes?since=0` }),
			design: (context) => ({
				method: 'PUT',
				path: `/couch/${db(context)}/_design/matrix`,
				body: { views: { all: { map: 'function (doc) { emit(doc._id); }' } } }
			}),
			security: (context) => ({
				method: 'PUT',
				path: `/couch/${db(context)}/_security`,
				body: { admins: { names: [context.username ?? 'x'], roles: [] }, members: {} }
			})
		},
		expected: {
			read: access.read,
			write: access.write,
			list: access.read,
			design: everyone('403'),
			security: everyone('403')
		}
	};
}

const PATIENT_DOC = {
	type: 'response',
	status: 'in-progress',
	questionnaire: 'https://dazzle.test/Questionnaire/q|1',
	resource: {
		resourceType: 'QuestionnaireResponse',
		questionnaire: 'https://dazzle.test/Questionnaire/q|1',
		status: 'in-progress'
	},
	updated_at: '2026-11-25T10:00:00.000Z'
};

const SERVER_OWNED_FOR_MEMBERS = row('401', '2xx', '2xx', '2xx', '2xx', '2xx');
const ADMIN_ONLY = row('401', '403', '403', '403', '403', '2xx');
/** `/api/research/*`: the researcher role; a server admin has no account (403). */
const RESEARCHERS_ONLY = row('401', '403', '403', '2xx', '403', '403');

export const AUTHZ_MATRIX: MatrixResource[] = [
	{
		name: '_users docs',
		requests: {
			read: (context) => ({
				method: 'GET',
				path: `/couch/_users/org.couchdb.user:${context.nameA}`
			}),
			write: (context) => ({
				method: 'PUT',
				path: `/couch/_users/org.couchdb.user:mallory-${context.unique}`,
				body: { type: 'user', name: `mallory-${context.unique}`, password: 'x', roles: ['_admin'] }
			}),
			list: () => ({ method: 'GET', path: '/couch/_users/_all_docs' }),
			design: () => ({ method: 'PUT', path: '/couch/_users/_design/matrix', body: { views: {} } }),
			security: () => ({
				method: 'PUT',
				path: '/couch/_users/_security',
				body: { admins: { names: ['x'] }, members: {} }
			})
		},
		expected: {
			read: everyone('403'),
			write: everyone('403'),
			list: everyone('403'),
			design: everyone('403'),
			security: everyone('403')
		}
	},
	database('user db of A', (context) => context.userDbA, {
		read: row('401', '2xx', '403', '403', '403', '2xx'),
		write: row('401', '2xx', '403', '403', '403', '2xx'),
		readPath: (context) => `/couch/${context.userDbA}/profile`
	}),
	database('user db of B', (context) => context.userDbB, {
		read: row('401', '403', '2xx', '403', '403', '2xx'),
		write: row('401', '403', '2xx', '403', '403', '2xx'),
		readPath: (context) => `/couch/${context.userDbB}/profile`
	}),
	database('user db of the researcher (own settings)', (context) => context.userDbResearcher, {
		read: row('401', '403', '403', '2xx', '403', '2xx'),
		write: row('401', '403', '403', '2xx', '403', '2xx'),
		readPath: (context) => `/couch/${context.userDbResearcher}`
	}),
	// Issue #19: documents only the server writes into a user database (inbox copies, message
	// statuses, the community identity): not even the owner creates or changes them
	// (couch-setup/validate/userdb.js); another user is not even a member.
	database('server-written inbox copy in user db of A', (context) => context.userDbA, {
		read: row('401', '2xx', '403', '403', '403', '2xx'),
		write: row('401', '403', '403', '403', '403', '2xx'),
		readPath: (context) => `/couch/${context.userDbA}/profile`,
		writeBody: {
			type: 'inbox_message',
			from: 'AAAAAAAAAAAAAAAAAAAAAA',
			from_nickname: 'Forged',
			body: 'forged',
			sent_at: '2026-12-07T10:00:00.000Z',
			delivered_at: '2026-12-07T10:00:00.000Z'
		}
	}),
	database('server-written message status in user db of B', (context) => context.userDbB, {
		read: row('401', '403', '2xx', '403', '403', '2xx'),
		write: row('401', '403', '403', '403', '403', '2xx'),
		readPath: (context) => `/couch/${context.userDbB}/profile`,
		writeBody: {
			type: 'message_status',
			message_id: 'message:0f0e2a7e-1111-4222-8333-444455556666',
			state: 'sent',
			updated_at: '2026-12-07T10:00:00.000Z'
		}
	}),
	database('patient db of A', (context) => context.patientDbA, {
		read: row('401', '2xx', '403', '403', '403', '2xx'),
		write: row('401', '2xx', '403', '403', '403', '2xx'),
		writeBody: PATIENT_DOC
	}),
	// Editor A, viewer B (validate_doc_update refuses the viewer's writes), strangers.
	database('patient record shared with B', (context) => `patient-${context.sharedPatientId}`, {
		read: row('401', '2xx', '2xx', '403', '403', '2xx'),
		write: row('401', '2xx', '403', '403', '403', '2xx'),
		writeBody: PATIENT_DOC
	}),
	database('content', () => 'content', {
		read: everyone('2xx'),
		write: everyone('403')
	}),
	database('forms', () => 'forms', { read: SERVER_OWNED_FOR_MEMBERS, write: everyone('403') }),
	// Members read the directory; a research account does not (the gateway refuses it).
	database('directory', () => 'directory', {
		read: row('401', '2xx', '2xx', '403', '2xx', '2xx'),
		write: everyone('403')
	}),
	database('research', () => 'research', { read: ADMIN_ONLY, write: everyone('403') }),
	database('audit', () => 'audit', { read: ADMIN_ONLY, write: everyone('403') }),
	database('worker', () => 'worker', { read: ADMIN_ONLY, write: everyone('403') }),
	// Reported community messages (#19): moderators and admins read, only the worker writes.
	database('moderation', () => 'moderation', {
		read: row('401', '403', '403', '403', '2xx', '2xx'),
		write: everyone('403')
	}),
	{
		name: '_all_dbs',
		requests: { list: () => ({ method: 'GET', path: '/couch/_all_dbs' }) },
		expected: { list: everyone('403') }
	},
	{
		name: '_config',
		requests: {
			read: () => ({ method: 'GET', path: '/couch/_node/_local/_config' }),
			write: () => ({
				method: 'PUT',
				path: '/couch/_config/admins/mallory',
				body: 'mallory password'
			})
		},
		expected: { read: everyone('403'), write: everyone('403') }
	},
	{
		name: '_session',
		requests: {
			read: () => ({ method: 'GET', path: '/couch/_session' }),
			// Sign in as oneself; anonymous has no account and tries a made-up one.
			write: (context) => ({
				method: 'POST',
				path: '/couch/_session',
				body: {
					name: context.signInName ?? `nobody-${context.unique}`,
					password: context.password ?? 'no password at all'
				}
			})
		},
		// The server admin's name never signs in through the gateway (issue 14: its lockout would
		// stop the server's own admin client): refused like a wrong password.
		expected: { read: everyone('2xx'), write: row('401', '2xx', '2xx', '2xx', '2xx', '401') }
	},
	{
		name: 'GET /api/health',
		requests: { read: () => ({ method: 'GET', path: '/api/health' }) },
		expected: { read: everyone('2xx') }
	},
	{
		name: 'POST /api/signup',
		requests: {
			write: (context) => ({ method: 'POST', path: '/api/signup', body: context.signupBody() })
		},
		expected: { write: everyone('2xx') }
	},
	{
		name: '/api/account (GET, DELETE)',
		requests: {
			read: () => ({ method: 'GET', path: '/api/account' }),
			write: (context) => ({
				method: 'DELETE',
				path: '/api/account',
				body: { confirm: context.username ?? 'nobody', password: 'deliberately wrong password' }
			})
		},
		expected: {
			read: row('401', '2xx', '2xx', '2xx', '2xx', '403'),
			write: row('401', '400', '400', '400', '400', '403')
		}
	},
	{
		name: 'POST /api/account/password',
		requests: {
			// The same password again: a real change (new hash, new cookie) that keeps the actor.
			write: (context) => ({
				method: 'POST',
				path: '/api/account/password',
				body: {
					current_password: context.password ?? 'no password at all',
					new_password: context.password ?? 'no password at all'
				}
			})
		},
		expected: { write: row('401', '2xx', '2xx', '2xx', '2xx', '403') }
	},
	{
		name: 'PUT /api/account/nickname',
		requests: {
			write: (context) => ({
				method: 'PUT',
				path: '/api/account/nickname',
				body: { nickname: context.nickname ?? 'Anonymous Nick' }
			})
		},
		expected: { write: row('401', '2xx', '2xx', '2xx', '2xx', '403') }
	},
	{
		name: 'PUT /api/account/language',
		requests: {
			write: () => ({ method: 'PUT', path: '/api/account/language', body: { language: 'en' } })
		},
		expected: { write: row('401', '2xx', '2xx', '2xx', '2xx', '403') }
	},
	{
		name: 'POST /api/patients',
		requests: {
			write: () => ({ method: 'POST', path: '/api/patients', body: { patient_id: randomUUID() } })
		},
		// A research account holds no record: 403 errors.research_account_no_records.
		expected: { write: row('401', '2xx', '2xx', '403', '2xx', '403') }
	},
	{
		name: '/api/patients/:id members and invitations (shared record)',
		requests: {
			read: (context) => ({
				method: 'GET',
				path: `/api/patients/${context.sharedPatientId}/members`
			}),
			write: (context) => ({
				method: 'POST',
				path: `/api/patients/${context.sharedPatientId}/invitations`,
				body: { nickname: context.inviteeNickname, role: 'viewer' }
			})
		},
		expected: {
			read: row('401', '2xx', '403', '404', '404', '403'),
			write: row('401', '2xx', '403', '404', '404', '403')
		}
	},
	{
		name: 'POST /api/invitations/accept',
		requests: {
			// A code nobody was given: every account gets as far as the code check.
			write: () => ({
				method: 'POST',
				path: '/api/invitations/accept',
				body: { code: 'ZZZZ-ZZZZ' }
			})
		},
		// A research account joins no record: refused before the code is looked at.
		expected: { write: row('401', '400', '400', '403', '400', '403') }
	},
	{
		name: 'GET /api/account/export',
		requests: { read: () => ({ method: 'GET', path: '/api/account/export' }) },
		expected: { read: row('401', '2xx', '2xx', '2xx', '2xx', '403') }
	},
	// The researchers' area (#20): researchers only, and only through /api (they read no
	// database themselves: see the research, directory, user and patient rows above).
	{
		name: 'GET /api/research/cohort',
		requests: { read: () => ({ method: 'GET', path: '/api/research/cohort?country=FR' }) },
		expected: { read: RESEARCHERS_ONLY }
	},
	{
		name: 'POST /api/research/exports, GET /api/research/exports/:id',
		requests: {
			write: () => ({
				method: 'POST',
				path: '/api/research/exports',
				body: { format: 'fhir-ndjson', filter: { country: 'FR' } }
			}),
			read: (context) => ({ method: 'GET', path: `/api/research/exports/${context.unique}` })
		},
		// Reading an export id that is not the caller's own: 404 for a researcher.
		expected: { write: RESEARCHERS_ONLY, read: row('401', '403', '403', '404', '403', '403') }
	}
];

/** Every cell of the matrix, `n/a` included, in a stable order. */
export function matrixCells(): {
	resource: MatrixResource;
	actor: Actor;
	operation: Operation;
	expected: Expected;
}[] {
	return AUTHZ_MATRIX.flatMap((resource) =>
		OPERATIONS.flatMap((operation) =>
			ACTORS.map((actor) => ({
				resource,
				actor,
				operation,
				expected: resource.expected[operation]?.[actor] ?? ('n/a' as const)
			}))
		)
	);
}

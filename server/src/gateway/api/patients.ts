import express, { type Request } from 'express';
import { nicknameSchema } from '../../../../src/lib/schemas/account';
import {
	acceptInvitationSchema,
	createInvitationSchema,
	createPatientSchema,
	patientIdSchema
} from '../../../../src/lib/schemas/patient';
import { AccountError } from '../../accounts/errors';
import type { PatientService } from '../../patients/service';
import type { RateLimitRule } from '../../config';
import {
	apiErrors,
	body,
	clientAddress,
	handle,
	methodNotAllowed,
	requireAccount
} from './accounts';
import { RateLimiter } from './rate-limit';
import type { SessionResolver } from './sessions';

/**
 * Per gateway instance, in memory (like the other limits, config.ts). Wrong invitation
 * codes are also counted in the database per invitation (MAX_WRONG_CODES), so a restart
 * or a second gateway gives a guesser nothing; and a code only works for the account it
 * was made for, so guessing from many accounts gains nothing either. The per-address limit
 * is generous because mobile carriers put many families behind one address.
 */
export const PATIENT_RATE_LIMITS = {
	createPerUser: { max: 60, windowMs: 60 * 60 * 1000 },
	invitePerUser: { max: 30, windowMs: 60 * 60 * 1000 },
	acceptPerUser: { max: 10, windowMs: 15 * 60 * 1000 },
	acceptPerAddress: { max: 120, windowMs: 15 * 60 * 1000 }
} satisfies Record<string, RateLimitRule>;

export interface PatientRoutesOptions {
	patients: PatientService;
	sessions: SessionResolver;
	limits?: Partial<Record<keyof typeof PATIENT_RATE_LIMITS, RateLimitRule>>;
}

/** The `:patientId` of the path, or 400 (a malformed id never reaches the database). */
function patientIdOf(req: Request): string {
	const parsed = patientIdSchema.safeParse(req.params.patientId);
	if (!parsed.success) {
		throw new AccountError(400, 'errors.patient_id_invalid', 'expected a patient id (a UUID v4)');
	}
	return parsed.data;
}

function nicknameOf(req: Request): string {
	const parsed = nicknameSchema.safeParse(req.params.nickname);
	if (!parsed.success) {
		throw new AccountError(404, 'errors.patient_member_not_found', 'no member with this nickname');
	}
	return parsed.data;
}

/**
 * `/api/patients/*` and `/api/invitations/accept`: creating records, sharing them by
 * nickname and one-time code, listing and removing members. Invitations need a connection
 * (the client says so); creating a record is retried by the device until it gets through.
 */
export function patientRoutes(options: PatientRoutesOptions): express.Router {
	const { patients, sessions } = options;
	const rule = (name: keyof typeof PATIENT_RATE_LIMITS) =>
		new RateLimiter(options.limits?.[name] ?? PATIENT_RATE_LIMITS[name]);
	const limiters = {
		createPerUser: rule('createPerUser'),
		invitePerUser: rule('invitePerUser'),
		acceptPerUser: rule('acceptPerUser'),
		acceptPerAddress: rule('acceptPerAddress')
	};
	const router = express.Router();

	router
		.route('/patients')
		.post(
			handle(async (req, res) => {
				const user = await requireAccount(sessions, req);
				const input = body(createPatientSchema, req, res);
				if (!input) return;
				// Only new records count: a device retrying the same id is not held back.
				const { record, created } = await patients.create(user.name, input.patient_id, () =>
					limiters.createPerUser.consume(user.name)
				);
				res
					.status(created ? 201 : 200)
					.set('Cache-Control', 'no-store')
					.json(record);
			})
		)
		.all(methodNotAllowed);

	router
		.route('/patients/:patientId/members')
		.get(
			handle(async (req, res) => {
				const user = await requireAccount(sessions, req);
				const members = await patients.members(user.name, patientIdOf(req));
				res.set('Cache-Control', 'no-store').json(members);
			})
		)
		.all(methodNotAllowed);

	router
		.route('/patients/:patientId/members/:nickname')
		.delete(
			handle(async (req, res) => {
				const user = await requireAccount(sessions, req);
				await patients.remove(user.name, patientIdOf(req), nicknameOf(req));
				res.status(204).set('Cache-Control', 'no-store').end();
			})
		)
		.all(methodNotAllowed);

	router
		.route('/patients/:patientId/invitations')
		.post(
			handle(async (req, res) => {
				const user = await requireAccount(sessions, req);
				const patientId = patientIdOf(req);
				const input = body(createInvitationSchema, req, res);
				if (!input) return;
				limiters.invitePerUser.consume(user.name);
				const created = await patients.invite(user.name, patientId, input.nickname, input.role);
				res.status(201).set('Cache-Control', 'no-store').json(created);
			})
		)
		.all(methodNotAllowed);

	router
		.route('/invitations/accept')
		.post(
			handle(async (req, res) => {
				const user = await requireAccount(sessions, req);
				const input = body(acceptInvitationSchema, req, res);
				if (!input) return;
				limiters.acceptPerAddress.consume(clientAddress(req));
				limiters.acceptPerUser.consume(user.name);
				const accepted = await patients.accept(user.name, input.code);
				res.set('Cache-Control', 'no-store').json(accepted);
			})
		)
		.all(methodNotAllowed);

	router.use(apiErrors);
	return router;
}

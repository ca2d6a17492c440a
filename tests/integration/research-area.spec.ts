import { createHash, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountService } from '../../server/src/accounts/service';
import { updateRoles } from '../../server/src/accounts/users';
import { runAdminCommand } from '../../server/src/admin-cli';
import { cohort, recordsOf } from '../../server/src/researchers/fixtures';
import {
	cohortResponseSchema,
	exportCreatedSchema,
	exportManifestSchema,
	exportStatusSchema,
	RESEARCH_API,
	SUPPRESSED,
	type ExportStatus
} from '../../src/lib/schemas/research-area';
import { call, GENEROUS_LIMITS, signIn, signUpAndIn, uniqueName } from '../support/accounts';
import { runCli, startTestDazzle, type TestDazzle } from '../support/dazzle';

/*
 * The researchers' API (#20) through the gateway, on the embedded server or on Apache CouchDB
 * (COUCH_URL, see support/test-couch.ts): researchers only, cohort counts with small cells
 * hidden, an export job from request to audited, checksummed, resumable download.
 */

describe('/api/research', () => {
	let dazzle: TestDazzle;
	let researcher: string;
	let researcherName: string;
	let otherResearcher: string;
	let patient: string;

	beforeAll(async () => {
		dazzle = await startTestDazzle({ rateLimits: GENEROUS_LIMITS, research: false });
		await dazzle.ready;
		const accounts = new AccountService(dazzle.couch, new EventEmitter());
		const make = async (role: 'patient' | 'caregiver', researcherRole: boolean) => {
			const { request, cookie } = await signUpAndIn(dazzle, { username: uniqueName('r'), role });
			if (researcherRole) {
				await accounts.setAdminRole(String(request.username), 'researcher', true);
			}
			return { cookie, name: String(request.username) };
		};
		const [a, b, c] = await Promise.all([
			make('caregiver', true),
			make('caregiver', true),
			make('patient', false)
		]);
		researcher = a.cookie;
		researcherName = a.name;
		otherResearcher = b.cookie;
		patient = c.cookie;
		// 30 people (three records each) and 3 more in a country of their own.
		const persons = [
			...cohort(30),
			...[...cohort(3, 'lonely')].map((p) => ({ ...p, country: 'IS' }))
		];
		const records = persons.flatMap(recordsOf);
		const results = await dazzle.couch.bulkDocs('research', records);
		expect(results.every((result) => !result.error)).toBe(true);
	}, 120_000);
	afterAll(async () => {
		await dazzle?.dispose();
	});

	it('refuses every other role (403 with a translated key) and anonymous callers (401)', async () => {
		const paths: [string, string, unknown?][] = [
			['GET', RESEARCH_API.cohort],
			['POST', RESEARCH_API.exports, { format: 'csv' }],
			['GET', RESEARCH_API.export('x')],
			['GET', RESEARCH_API.exportFile('x', 'manifest.json')],
			['GET', '/api/research/anything']
		];
		for (const [method, path, body] of paths) {
			const asPatient = await call(dazzle, method, path, { cookie: patient, body });
			expect(asPatient.status, `${method} ${path} ${JSON.stringify(asPatient.body)}`).toBe(403);
			expect(asPatient.body).toMatchObject({ error: 'errors.research_forbidden' });
			const anonymous = await call(dazzle, method, path, { body });
			expect(anonymous.status, `${method} ${path}`).toBe(401);
		}
	});

	it('counts the cohort with cells under five hidden, filters combined', async () => {
		const all = await call(dazzle, 'GET', RESEARCH_API.cohort, { cookie: researcher });
		expect(all.status).toBe(200);
		const counts = cohortResponseSchema.parse(all.body);
		expect(counts.totals).toEqual({ subjects: 33, responses: 99 });
		const iceland = counts.by_country.find((cell) => cell.key === 'IS');
		expect(iceland).toMatchObject({ subjects: SUPPRESSED, responses: SUPPRESSED });
		expect(counts.by_disease.map((cell) => cell.key).sort()).toEqual([
			'ORPHA:558',
			'ORPHA:586',
			'ORPHA:778'
		]);
		const combined = await call(
			dazzle,
			'GET',
			`${RESEARCH_API.cohort}?country=FR&disease=ORPHA:558&from=2026-01`,
			{
				cookie: researcher
			}
		);
		expect(combined.status).toBe(200);
		expect(cohortResponseSchema.parse(combined.body).filter).toEqual({
			country: 'FR',
			disease: 'ORPHA:558',
			from: '2026-01'
		});
		const bad = await call(dazzle, 'GET', `${RESEARCH_API.cohort}?country=France`, {
			cookie: researcher
		});
		expect(bad).toMatchObject({ status: 400, body: { error: 'errors.research_filter_invalid' } });
		const unknown = await call(dazzle, 'GET', `${RESEARCH_API.cohort}?name=x`, {
			cookie: researcher
		});
		expect(unknown.status).toBe(400);
	});

	it('exports CSV as a job: progress, manifest with checksums, audit entry, resumable download, owner only', async () => {
		const created = await call(dazzle, 'POST', RESEARCH_API.exports, {
			cookie: researcher,
			body: { format: 'csv', filter: {}, options: { excelBom: true, k: 5 } }
		});
		expect(created.status).toBe(202);
		const { id } = exportCreatedSchema.parse(created.body);
		let status: ExportStatus | undefined;
		for (let attempt = 0; attempt < 240; attempt += 1) {
			const answer = await call(dazzle, 'GET', RESEARCH_API.export(id), { cookie: researcher });
			expect(answer.status).toBe(200);
			status = exportStatusSchema.parse(answer.body);
			if (status.state === 'done' || status.state === 'failed') break;
			await new Promise((resolve) => setTimeout(resolve, 250));
		}
		expect(status?.state).toBe('done');
		expect(status?.progress).toEqual({ done: 99, total: 99 });
		const manifestAnswer = await fetch(
			`${dazzle.url}${RESEARCH_API.exportFile(id, 'manifest.json')}`,
			{
				headers: { cookie: researcher }
			}
		);
		expect(manifestAnswer.status).toBe(200);
		const manifest = exportManifestSchema.parse(await manifestAnswer.json());
		// The three Icelanders are unique on country: generalised to their region or left out.
		expect(manifest.suppression.records_in).toBe(99);
		expect(manifest.suppression.records_out + manifest.suppression.suppressed).toBe(99);
		expect(manifest.consent_versions).toEqual(['1']);
		for (const file of manifest.files) {
			const answer = await fetch(`${dazzle.url}${RESEARCH_API.exportFile(id, file.name)}`, {
				headers: { cookie: researcher }
			});
			const bytes = Buffer.from(await answer.arrayBuffer());
			expect(createHash('sha256').update(new Uint8Array(bytes)).digest('hex'), file.name).toBe(
				file.sha256
			);
		}
		// Resuming a download: the rest of the file from a byte offset.
		const phenotype = manifest.files.find((file) => file.name === 'phenotype.csv');
		expect(phenotype).toBeDefined();
		const whole = Buffer.from(
			await (
				await fetch(`${dazzle.url}${RESEARCH_API.exportFile(id, 'phenotype.csv')}`, {
					headers: { cookie: researcher }
				})
			).arrayBuffer()
		);
		const rest = await fetch(`${dazzle.url}${RESEARCH_API.exportFile(id, 'phenotype.csv')}`, {
			headers: { cookie: researcher, range: 'bytes=100-' }
		});
		expect(rest.status).toBe(206);
		expect(Buffer.from(await rest.arrayBuffer()).equals(whole.subarray(100))).toBe(true);
		const rows = parse(whole, { bom: true, columns: true }) as Record<string, string>[];
		expect(rows.length).toBe(manifest.files.find((file) => file.name === 'phenotype.csv')?.rows);
		// Audited: who, what, how many rows.
		const audit = await dazzle.couch.request<{
			rows: { doc: { by: string; events: { action: string; count: number; reason: string }[] } }[];
		}>({
			path: 'audit/_all_docs',
			qs: { include_docs: true }
		});
		const entry = audit.rows
			.map((row) => row.doc)
			.find((doc) => doc.by === `research-export ${researcherName}`);
		expect(entry?.events[0]).toMatchObject({
			action: 'exported',
			count: manifest.suppression.records_out
		});
		expect(entry?.events[0]?.reason).toContain(id);
		// Another researcher does not see it.
		const stranger = await call(dazzle, 'GET', RESEARCH_API.export(id), {
			cookie: otherResearcher
		});
		expect(stranger).toMatchObject({
			status: 404,
			body: { error: 'errors.research_export_not_found' }
		});
		const strangerFile = await call(dazzle, 'GET', RESEARCH_API.exportFile(id, 'manifest.json'), {
			cookie: otherResearcher
		});
		expect(strangerFile.status).toBe(404);
		const traversal = await call(dazzle, 'GET', RESEARCH_API.exportFile(id, '..%2Fjob.json'), {
			cookie: researcher
		});
		expect(traversal.status).toBe(404);
	}, 120_000);

	it('refuses a malformed export request with its key', async () => {
		const answer = await call(dazzle, 'POST', RESEARCH_API.exports, {
			cookie: researcher,
			body: { format: 'xlsx' }
		});
		expect(answer).toMatchObject({
			status: 400,
			body: { error: 'errors.research_export_invalid' }
		});
		const lowK = await call(dazzle, 'POST', RESEARCH_API.exports, {
			cookie: researcher,
			body: { format: 'csv', options: { k: 1 } }
		});
		expect(lowK.status).toBe(400);
	});

	describe('research accounts are dedicated accounts', () => {
		const rolesOf = async (name: string) =>
			(
				await dazzle.couch.getDoc<{ _id: string; roles: string[] }>(
					'_users',
					`org.couchdb.user:${name}`
				)
			)?.roles;

		it('npm run admin refuses the role to an account that edits or views a record', async () => {
			const owner = await signUpAndIn(dazzle, { username: uniqueName('own'), role: 'patient' });
			const viewer = await signUpAndIn(dazzle, { username: uniqueName('view'), role: 'caregiver' });
			const invited = await call<{ code: string }>(
				dazzle,
				'POST',
				`/api/patients/${owner.result.patient_db?.slice('patient-'.length)}/invitations`,
				{ cookie: owner.cookie, body: { nickname: viewer.request.nickname, role: 'viewer' } }
			);
			const accepted = await call(dazzle, 'POST', '/api/invitations/accept', {
				cookie: viewer.cookie,
				body: { code: invited.body.code }
			});
			expect(accepted.status).toBe(200);
			for (const account of [owner, viewer]) {
				const name = String(account.request.username);
				const before = await rolesOf(name);
				const answer = await runCli(dazzle, runAdminCommand, 'grant', name, 'researcher');
				expect(answer.code).toBe(1);
				expect(answer.errors.join('\n')).toMatch(/patient record.*dedicated account/s);
				expect(await rolesOf(name)).toEqual(before);
			}
			// The moderator role is not concerned.
			const moderator = String(viewer.request.username);
			expect((await runCli(dazzle, runAdminCommand, 'grant', moderator, 'moderator')).code).toBe(0);
		});

		it('a research account can neither create nor join a record (translated key)', async () => {
			const owner = await signUpAndIn(dazzle, { username: uniqueName('own'), role: 'patient' });
			const created = await call(dazzle, 'POST', '/api/patients', {
				cookie: researcher,
				body: { patient_id: randomUUID() }
			});
			expect(created).toMatchObject({
				status: 403,
				body: { error: 'errors.research_account_no_records' }
			});
			const nickname = (
				await call<{ nickname: string }>(dazzle, 'GET', '/api/account', {
					cookie: researcher
				})
			).body.nickname;
			const patientId = owner.result.patient_db?.slice('patient-'.length);
			const invited = await call<{ code: string }>(
				dazzle,
				'POST',
				`/api/patients/${patientId}/invitations`,
				{ cookie: owner.cookie, body: { nickname, role: 'viewer' } }
			);
			expect(invited.status).toBe(201);
			const accepted = await call(dazzle, 'POST', '/api/invitations/accept', {
				cookie: researcher,
				body: { code: invited.body.code }
			});
			expect(accepted).toMatchObject({
				status: 403,
				body: { error: 'errors.research_account_no_records' }
			});
			expect(await rolesOf(researcherName)).toEqual(['caregiver', 'researcher']);
		});

		it('the proxy refuses a research session directory, research and records, not its own settings', async () => {
			// An account given both before the rule existed (written directly): the gateway still
			// refuses, whatever CouchDB's security object of the record would allow.
			const legacy = await signUpAndIn(dazzle, { username: uniqueName('legacy'), role: 'patient' });
			const name = String(legacy.request.username);
			const recordDb = String(legacy.result.patient_db);
			const userDb = String(legacy.result.user_db);
			expect(
				(await call(dazzle, 'GET', `/couch/${recordDb}`, { cookie: legacy.cookie })).status
			).toBe(200);
			expect(
				(await call(dazzle, 'GET', '/couch/directory', { cookie: legacy.cookie })).status
			).toBe(200);
			await updateRoles(dazzle.couch, name, (roles) => [...roles, 'researcher']);
			// A new session (CouchDB's cookie changes with the second): the gateway remembers a
			// session's roles for a few seconds.
			await new Promise((resolve) => setTimeout(resolve, 1100));
			const cookie = await signIn(dazzle, name, String(legacy.request.password));
			for (const path of [
				`/couch/${recordDb}`,
				`/couch/${recordDb}/_changes?since=0`,
				`/couch/${recordDb}/_all_docs`,
				'/couch/directory',
				'/couch/directory/_changes?since=0',
				'/couch/research',
				'/couch/research/_all_docs'
			]) {
				const answer = await call(dazzle, 'GET', path, { cookie });
				expect(answer, path).toMatchObject({ status: 403, body: { error: 'errors.forbidden' } });
			}
			const write = await call(dazzle, 'PUT', `/couch/${recordDb}/note-${uniqueName('n')}`, {
				cookie,
				body: { type: 'note', text: 'x' }
			});
			expect(write.status).toBe(403);
			expect((await call(dazzle, 'GET', `/couch/${userDb}`, { cookie })).status).toBe(200);
			expect((await call(dazzle, 'GET', '/couch/forms', { cookie })).status).toBe(200);
		});
	});
});

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';
import { parse } from 'csv-parse/sync';
import { strFromU8, unzipSync } from 'fflate';
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
	cohortResponseSchema,
	exportManifestSchema,
	SUPPRESSED,
	type CohortFilter,
	type CohortResponse,
	type ExportRequest,
	type ExportStatus
} from '../../../src/lib/schemas/research-area';
import type { Logger } from '../log';
import type { ResearchRecord } from '../research/extract';
import { containingRanges, countCohort } from './cohort';
import { ExportService, questionnaireTitles } from './exports';
import { FakeCouch } from './fake-couch';
import { cohort, Q, recordsOf, subjectId, type Person } from './fixtures';
import { ageBand } from './kanon';
import qrSchema from './schemas/fhir-r4-questionnaire-response.schema.json';
import { phenopacketProblems } from './schemas/phenopacket-proto';

const quiet: Logger = {
	debug: () => undefined,
	info: () => undefined,
	warn: () => undefined,
	error: (...args: unknown[]) => console.error(...args)
} as unknown as Logger;

function couchWith(persons: Iterable<Person>): FakeCouch {
	const couch = new FakeCouch().withShippedForms();
	couch.put('research', [...persons].flatMap(recordsOf));
	couch.put('audit', []);
	return couch;
}

async function cohortOf(couch: FakeCouch, filter: CohortFilter): Promise<CohortResponse> {
	const client = couch.asClient();
	const result = await countCohort(
		{ couch: client, pageSize: 7 },
		filter,
		await questionnaireTitles(client)
	);
	cohortResponseSchema.parse(result);
	return result;
}

const person = (seed: string, extra: Partial<Person> = {}): Person => ({
	seed,
	age: 34,
	sex: 'female',
	country: 'FR',
	orpha: 'ORPHA:558',
	orphaLabel: 'Marfan syndrome',
	hpo: [{ code: 'HP:0001166', label: 'Arachnodactyly', onsetAge: 2, ongoing: true }],
	answered: '2026-02',
	...extra
});

describe('cohort counts', { timeout: 30_000 }, () => {
	it('shows "< 5" for every cell and total under five subjects', async () => {
		const couch = couchWith([
			...Array.from({ length: 8 }, (_, i) => person(`fr${i}`)),
			...Array.from({ length: 3 }, (_, i) => person(`de${i}`, { country: 'DE' }))
		]);
		const all = await cohortOf(couch, {});
		expect(all.totals.subjects).toBe(11);
		const countries = Object.fromEntries(all.by_country.map((cell) => [cell.key, cell.subjects]));
		// DE has 3: hidden; FR (8) would give DE away as 11 − 8: hidden too (complementary).
		expect(countries).toEqual({ FR: SUPPRESSED, DE: SUPPRESSED });
		const germany = await cohortOf(couch, { country: 'DE' });
		expect(germany.totals).toEqual({ subjects: SUPPRESSED, responses: SUPPRESSED });
		for (const cell of [...germany.by_disease, ...germany.by_symptom, ...germany.timeline]) {
			expect(cell.subjects).toBe(SUPPRESSED);
		}
	});

	it('names questionnaires by their title (the newest version in forms)', async () => {
		const couch = couchWith(Array.from({ length: 6 }, (_, i) => person(`t${i}`)));
		const all = await cohortOf(couch, {});
		const titles = await questionnaireTitles(couch.asClient());
		expect(all.by_questionnaire.length).toBeGreaterThan(0);
		for (const cell of all.by_questionnaire) {
			expect(cell.label, cell.key).toBe(titles.get(cell.key));
			expect(cell.label).toMatch(/\S/);
		}
	});

	it('differencing over two month ranges of the same filter: the smaller range is hidden when it would give people away', async () => {
		// 10 answered in January–March, 2 only in April, 8 in May.
		const couch = couchWith([
			...Array.from({ length: 10 }, (_, i) =>
				person(`q${i}`, { answered: `2026-0${1 + (i % 3)}` })
			),
			...Array.from({ length: 2 }, (_, i) => person(`a${i}`, { answered: '2026-04' })),
			...Array.from({ length: 8 }, (_, i) => person(`y${i}`, { answered: '2026-05' }))
		]);
		const ranges: CohortFilter[] = [
			{ from: '2026-01', to: '2026-03' },
			{ from: '2026-01', to: '2026-04' },
			{ from: '2026-01', to: '2026-05' },
			{ from: '2026-02', to: '2026-04' },
			{ from: '2026-04' },
			{ to: '2026-03' },
			{ to: '2026-04' },
			{}
		];
		const shown = new Map<string, number>();
		for (const range of ranges) {
			for (const extra of [{}, { country: 'FR' }, { disease: 'ORPHA:558' }]) {
				const filter = { ...extra, ...range };
				const result = await cohortOf(couch, filter);
				if (typeof result.totals.subjects === 'number')
					shown.set(JSON.stringify(filter), result.totals.subjects);
				// The breakdowns of a range obey the same rule (the timeline's months included).
				for (const cell of result.timeline)
					if (typeof cell.subjects === 'number') expect(cell.subjects).toBeGreaterThanOrEqual(5);
			}
		}
		// Who a range counts: people with an answer inside it.
		const months = (filter: CohortFilter) =>
			['2026-01', '2026-02', '2026-03', '2026-04', '2026-05'].filter(
				(month) => (!filter.from || month >= filter.from) && (!filter.to || month <= filter.to)
			);
		// Sanity: the shown totals are right.
		expect(shown.get(JSON.stringify({ from: '2026-01', to: '2026-05' }))).toBe(20);
		expect(shown.get(JSON.stringify({}))).toBe(20);
		// No two shown totals of nested ranges (same other conditions) differ by 1–4: the two
		// April people are never recovered, whichever pair is subtracted.
		const entries = [...shown].map(([key, value]) => ({
			filter: JSON.parse(key) as CohortFilter,
			value
		}));
		for (const a of entries) {
			for (const b of entries) {
				const same = (f: CohortFilter) => JSON.stringify({ ...f, from: undefined, to: undefined });
				if (same(a.filter) !== same(b.filter)) continue;
				const nested = months(b.filter).every((month) => months(a.filter).includes(month));
				if (!nested) continue;
				const difference = a.value - b.value;
				expect(
					difference > 0 && difference < 5,
					`${JSON.stringify(a.filter)} − ${JSON.stringify(b.filter)} = ${difference}`
				).toBe(false);
			}
		}
		// The attack: January–April minus January–March. One of them is withheld.
		const q1 = shown.get(JSON.stringify({ from: '2026-01', to: '2026-03' }));
		const withApril = shown.get(JSON.stringify({ from: '2026-01', to: '2026-04' }));
		expect(q1 === undefined || withApril === undefined).toBe(true);
		// The ranges compared are those containing the asked one, down to the months with data.
		expect(
			containingRanges({ from: '2026-02', to: '2026-03' }, ['2026-01', '2026-02', '2026-04']).map(
				(filter) => [filter.from ?? '…', filter.to ?? '…'].join('/')
			)
		).toEqual([
			'…/…',
			'…/2026-04',
			'…/2026-03',
			'2026-01/…',
			'2026-01/2026-04',
			'2026-01/2026-03',
			'2026-02/…',
			'2026-02/2026-04'
		]);
	});

	it('differencing: no small group is recovered by subtracting the counts of two filters', async () => {
		// 12 French subjects with Marfan syndrome, 2 French without a diagnosis, 20 elsewhere.
		const couch = couchWith([
			...Array.from({ length: 12 }, (_, i) => person(`m${i}`)),
			...Array.from({ length: 2 }, (_, i) => person(`n${i}`, { orpha: undefined })),
			...Array.from({ length: 20 }, (_, i) => person(`e${i}`, { country: 'ES' }))
		]);
		const filters: CohortFilter[] = [
			{},
			{ country: 'FR' },
			{ disease: 'ORPHA:558' },
			{ country: 'FR', disease: 'ORPHA:558' },
			{ symptom: 'HP:0001166' },
			{ country: 'FR', symptom: 'HP:0001166' }
		];
		const results = await Promise.all(filters.map((filter) => cohortOf(couch, filter)));
		// Every number a researcher sees, with the set of subjects it counts.
		const shown: { what: string; value: number; members: Set<string> }[] = [];
		const everyone = [
			...Array.from({ length: 12 }, (_, i) => ({ id: `m${i}`, country: 'FR', orpha: true })),
			...Array.from({ length: 2 }, (_, i) => ({ id: `n${i}`, country: 'FR', orpha: false })),
			...Array.from({ length: 20 }, (_, i) => ({ id: `e${i}`, country: 'ES', orpha: true }))
		];
		const members = (filter: CohortFilter, cell?: { country?: string; disease?: boolean }) =>
			new Set(
				everyone
					.filter((p) => !filter.country || p.country === filter.country)
					.filter((p) => !filter.disease || p.orpha)
					.filter((p) => !cell?.country || p.country === cell.country)
					.filter((p) => cell?.disease === undefined || p.orpha === cell.disease)
					.map((p) => p.id)
			);
		results.forEach((result, index) => {
			const filter = filters[index] as CohortFilter;
			if (typeof result.totals.subjects === 'number')
				shown.push({
					what: `total ${JSON.stringify(filter)}`,
					value: result.totals.subjects,
					members: members(filter)
				});
			for (const cell of result.by_country)
				if (typeof cell.subjects === 'number')
					shown.push({
						what: `${cell.key} ${JSON.stringify(filter)}`,
						value: cell.subjects,
						members: members(filter, { country: cell.key })
					});
			for (const cell of result.by_disease)
				if (typeof cell.subjects === 'number')
					shown.push({
						what: `${cell.key} ${JSON.stringify(filter)}`,
						value: cell.subjects,
						members: members(filter, { disease: true })
					});
		});
		// Sanity: the numbers shown are right.
		for (const entry of shown) expect(entry.value, entry.what).toBe(entry.members.size);
		// No two shown numbers whose groups nest differ by 1–4: the 2 undiagnosed French stay hidden.
		for (const a of shown) {
			for (const b of shown) {
				const nested = [...b.members].every((id) => a.members.has(id));
				if (!nested) continue;
				const difference = a.value - b.value;
				expect(difference > 0 && difference < 5, `${a.what} − ${b.what} = ${difference}`).toBe(
					false
				);
			}
		}
		// The attack of the issue: France, then France with the disease.
		const france = results[1] as CohortResponse;
		const franceMarfan = results[3] as CohortResponse;
		expect([france.totals.subjects, franceMarfan.totals.subjects]).toContain(SUPPRESSED);
	});
});

// Exports read and write files: generous time on a loaded machine (no timing is asserted).
describe('exports', { timeout: 60_000 }, () => {
	let dir: string;
	beforeEach(async () => {
		dir = await mkdtemp(path.join(tmpdir(), 'dazzle-exports-'));
	});
	afterEach(async () => {
		await rm(dir, { recursive: true, force: true });
	});

	async function runExport(
		couch: FakeCouch,
		request: Partial<ExportRequest> & Pick<ExportRequest, 'format'>,
		zipPartEntries?: number
	) {
		const service = new ExportService({
			couch: couch.asClient(),
			dir,
			logger: quiet,
			version: '0.1.0',
			pageSize: 9,
			...(zipPartEntries ? { zipPartEntries } : {})
		});
		const created = await service.create('rita', {
			filter: {},
			options: { excelBom: false, k: 5 },
			...request
		});
		await service.idle();
		const status = (await service.status('rita', created.id)) as ExportStatus;
		expect(status.state, status.error).toBe('done');
		const read = (name: string) => readFile(path.join(dir, created.id, name), 'utf8');
		return { status, read, service };
	}

	it('CSV parses back to the records, repeating groups in long format, dictionary covering every column', async () => {
		const persons = [...cohort(40)].map((p) => ({
			...p,
			age: 30,
			country: 'FR',
			sex: 'female',
			orpha: 'ORPHA:558',
			orphaLabel: 'Marfan, "classic", syndrome'
		}));
		const couch = couchWith(persons);
		const { status, read } = await runExport(couch, {
			format: 'csv',
			options: { excelBom: true, k: 5 }
		});
		const names = status.files.map((file) => file.name).sort();
		expect(names).toEqual([
			'dictionary.csv',
			'genotype.csv',
			'genotype.repeats.csv',
			'manifest.json',
			'natural-history.csv',
			'natural-history.repeats.csv',
			'phenotype.csv',
			'phenotype.repeats.csv'
		]);
		const table = (text: string) => {
			expect(text.startsWith('\ufeff')).toBe(true);
			return parse(text, { bom: true, columns: true }) as Record<string, string>[];
		};
		const history = table(await read('natural-history.csv'));
		expect(history).toHaveLength(40);
		const source = recordsOf(persons[0] as Person)[0] as ResearchRecord;
		const row = history.find((entry) => entry.subject === source.subject) as Record<string, string>;
		expect(row).toMatchObject({
			row_id: source._id.split(':')[1],
			questionnaire_version: '3',
			answered: source.answered,
			age_band: '30-34',
			sex: 'female',
			country: 'FR',
			region: 'Europe',
			consent_version: '1',
			'diagnosis.orpha': 'ORPHA:558',
			'diagnosis.status': 'diagnosed',
			'diagnosis.status.display': 'Diagnosed',
			'first-symptom-age': '2'
		});
		const phenotypeLong = table(await read('phenotype.repeats.csv'));
		const phenotype = recordsOf(persons[0] as Person)[1] as ResearchRecord;
		const own = phenotypeLong.filter((entry) => entry.row_id === phenotype._id.split(':')[1]);
		expect(own.map((entry) => [entry.item, entry.at, entry.value])).toEqual(
			phenotype.answers.map((answer) => [
				answer.item,
				answer.at,
				String(answer.code ?? answer.value)
			])
		);
		const dictionary = table(await read('dictionary.csv'));
		for (const file of status.files.filter(
			(entry) => entry.name.endsWith('.csv') && entry.name !== 'dictionary.csv'
		)) {
			const header = (parse(await read(file.name), { bom: true }) as string[][])[0];
			const described = dictionary
				.filter((entry) => entry.file === file.name)
				.map((entry) => entry.column);
			expect(described, file.name).toEqual(header);
		}
		const orphaColumn = dictionary.find((entry) => entry.column === 'diagnosis.orpha');
		expect(orphaColumn?.question).toMatch(/ORPHA/);
		// The manifest lists every file with its checksum.
		const manifest = exportManifestSchema.parse(JSON.parse(await read('manifest.json')));
		expect(manifest.files.map((file) => file.name).sort()).toEqual(
			names.filter((name) => name !== 'manifest.json')
		);
		const { createHash } = await import('node:crypto');
		for (const file of manifest.files) {
			const bytes = await readFile(path.join(dir, status.id, file.name));
			expect(createHash('sha256').update(new Uint8Array(bytes)).digest('hex')).toBe(file.sha256);
		}
		expect(manifest.suppression).toMatchObject({
			k: 5,
			records_in: 120,
			records_out: 120,
			suppressed: 0
		});
		expect(manifest.consent_versions).toEqual(['1']);
		// Audited: who, what, how many.
		const audit = [...(couch.dbs.get('audit')?.values() ?? [])] as unknown as {
			by: string;
			events: { action: string; count: number; reason: string }[];
		}[];
		expect(audit).toHaveLength(1);
		expect(audit[0]?.by).toBe('research-export rita');
		expect(audit[0]?.events[0]).toMatchObject({ action: 'exported', count: 120 });
	});

	it('runs again after a restart an export that was cut off, to the same bytes', async () => {
		const couch = couchWith(cohort(20));
		const { status } = await runExport(couch, {
			format: 'fhir-ndjson',
			options: { excelBom: false, k: 2 }
		});
		const jobFile = path.join(dir, status.id, 'job.json');
		const job = JSON.parse(await readFile(jobFile, 'utf8'));
		job.status.state = 'running';
		job.status.files = [];
		await rm(path.join(dir, status.id, 'questionnaire-responses.ndjson'));
		const { writeFile } = await import('node:fs/promises');
		await writeFile(jobFile, JSON.stringify(job));
		const restarted = new ExportService({
			couch: couch.asClient(),
			dir,
			logger: quiet,
			version: '0.1.0'
		});
		await restarted.load();
		await restarted.idle();
		const again = (await restarted.status('rita', status.id)) as ExportStatus;
		expect(again.state).toBe('done');
		const sums = (entry: ExportStatus) =>
			entry.files
				.filter((file) => file.name !== 'manifest.json')
				.map((file) => [file.name, file.sha256]);
		expect(sums(again)).toEqual(sums(status));
		expect(await restarted.status('someone-else', status.id)).toBeUndefined();
	});

	it('k-anonymity: a subject unique on age band, country, sex and disease is generalised or left out', async () => {
		const five = Array.from({ length: 5 }, (_, i) => person(`k${i}`, { age: 31 + (i % 3) }));
		const couch = couchWith([...five, person('unique', { age: 37 })]);
		const first = await runExport(couch, { format: 'csv' });
		// 37 is alone in 35-39: the 10-year band 30-39 holds all six.
		const rows = parse(await first.read('natural-history.csv'), { columns: true }) as Record<
			string,
			string
		>[];
		expect(rows).toHaveLength(6);
		expect(new Set(rows.map((row) => row.age_band))).toEqual(new Set(['30-39']));
		expect(first.status.manifest?.suppression).toMatchObject({
			records_in: 12,
			records_out: 12,
			age_widened: 12,
			suppressed: 0
		});

		const lonely = couchWith([...five, person('unique', { age: 70, sex: 'male', country: 'JP' })]);
		const second = await runExport(lonely, { format: 'csv' });
		const kept = parse(await second.read('natural-history.csv'), { columns: true }) as Record<
			string,
			string
		>[];
		expect(kept.map((row) => row.subject)).not.toContain(subjectId('unique'));
		expect(kept).toHaveLength(5);
		expect(second.status.manifest?.suppression.suppressed).toBe(2);
		expect(ageBand(37, 10)).toBe('30-39');
	});

	it('every FHIR NDJSON line is an R4 QuestionnaireResponse with the pseudonymous subject and canonical questionnaire', async () => {
		const couch = couchWith(cohort(30));
		const { read, status } = await runExport(couch, {
			format: 'fhir-ndjson',
			options: { excelBom: false, k: 2 }
		});
		const validate = new Ajv({ allErrors: true }).compile(qrSchema);
		const lines = (await read('questionnaire-responses.ndjson')).trimEnd().split('\n');
		expect(lines.length).toBe(status.manifest?.suppression.records_out);
		expect(lines.length).toBeGreaterThan(0);
		for (const line of lines) {
			const resource = JSON.parse(line) as Record<string, unknown>;
			expect(validate(resource), JSON.stringify(validate.errors)).toBe(true);
			expect(resource.questionnaire).toMatch(
				/^https:\/\/dazzle\.health\/fhir\/Questionnaire\/[a-z-]+\|\d+$/
			);
			expect(resource.subject).toEqual({
				identifier: {
					system: 'https://dazzle.health/fhir/research-subject',
					value: expect.stringMatching(/^[0-9a-f]{64}$/)
				}
			});
		}
		const genotype = lines
			.map((line) => JSON.parse(line))
			.find((resource) => resource.questionnaire === `${Q.genotype}|2`);
		const variant = genotype.item.find((item: { linkId: string }) => item.linkId === 'variant');
		expect(
			variant.item.find((item: { linkId: string }) => item.linkId === 'variant.hgvs').answer[0]
				.valueString
		).toMatch(/^NM_000138\.5:c\./);
		// The schema refuses what R4 refuses.
		expect(validate({ resourceType: 'QuestionnaireResponse', status: 'done' })).toBe(false);
		expect(
			validate({
				resourceType: 'QuestionnaireResponse',
				status: 'completed',
				item: [{ linkId: 'a', answer: [{ valueTime: '10:00' }] }]
			})
		).toBe(false);
	});

	it('phenopackets validate against the published v2 protobuf definitions and carry the HPO terms, ORPHA codes and variants', async () => {
		const persons = Array.from({ length: 6 }, (_, i) =>
			person(`pp${i}`, {
				hpo: [
					{ code: 'HP:0001166', label: 'Arachnodactyly', onsetAge: 1.5, ongoing: true },
					{ code: 'HP:0001250', label: 'Seizure', onsetAge: 3, ongoing: false, resolvedAge: 5 }
				],
				variants: [
					{
						gene: 'FBN1',
						hgvs: `NM_000138.5:c.${1000 + i}G>A`,
						zygosity: 'LA6706-1',
						classification: 'LA6668-3'
					}
				]
			})
		);
		const couch = couchWith(persons);
		const { read, status } = await runExport(couch, { format: 'phenopacket' });
		const packets = (await read('phenopackets.ndjson'))
			.trimEnd()
			.split('\n')
			.map((line) => JSON.parse(line));
		expect(packets).toHaveLength(6);
		// The same phenopackets one file per subject in a ZIP (Exomiser reads one), listed in the
		// manifest with its checksum and entry count, audited with the export.
		const zipBytes = await readFile(path.join(dir, status.id, 'phenopackets.zip'));
		const listed = status.manifest?.files.find((file) => file.name === 'phenopackets.zip');
		expect(listed).toMatchObject({
			media_type: 'application/zip',
			rows: 6,
			bytes: zipBytes.length
		});
		expect(listed?.sha256).toBe(
			createHash('sha256').update(new Uint8Array(zipBytes)).digest('hex')
		);
		const entries = unzipSync(new Uint8Array(zipBytes));
		expect(Object.keys(entries).sort()).toEqual(
			packets.map((entry) => `${entry.subject.id}.json`).sort()
		);
		for (const packet of packets) {
			const file = entries[`${packet.subject.id}.json`] as Uint8Array;
			expect(JSON.parse(strFromU8(file))).toEqual(packet);
		}
		const audit = [...(couch.dbs.get('audit')?.values() ?? [])] as unknown as {
			events: { action: string; count: number; reason: string }[];
		}[];
		const reason = JSON.parse(audit[0]?.events[0]?.reason ?? '{}');
		expect(reason.files).toContainEqual({
			name: 'phenopackets.zip',
			rows: 6,
			sha256: listed?.sha256
		});
		for (const packet of packets) expect(phenopacketProblems(packet)).toEqual([]);
		const packet = packets.find((entry) => entry.subject.id === subjectId('pp2'));
		expect(packet.phenotypicFeatures).toEqual([
			{
				type: { id: 'HP:0001166', label: 'Arachnodactyly' },
				severity: { id: 'HP:0012826', label: 'Moderate' },
				onset: { age: { iso8601duration: 'P1Y6M' } }
			},
			{
				type: { id: 'HP:0001250', label: 'Seizure' },
				severity: { id: 'HP:0012826', label: 'Moderate' },
				onset: { age: { iso8601duration: 'P3Y' } },
				resolution: { age: { iso8601duration: 'P5Y' } }
			}
		]);
		expect(packet.diseases).toEqual([
			{
				term: { id: 'ORPHA:558', label: 'Marfan syndrome' },
				onset: { age: { iso8601duration: 'P2Y' } }
			}
		]);
		const genomic = packet.interpretations[0].diagnosis.genomicInterpretations[0];
		expect(genomic).toMatchObject({
			interpretationStatus: 'CAUSATIVE',
			variantInterpretation: {
				acmgPathogenicityClassification: 'PATHOGENIC',
				variationDescriptor: {
					geneContext: { symbol: 'FBN1' },
					expressions: [{ syntax: 'hgvs.c', value: 'NM_000138.5:c.1002G>A' }],
					allelicState: { id: 'GENO:0000135', label: 'heterozygous' }
				}
			}
		});
		expect(packet.subject).toMatchObject({
			sex: 'FEMALE',
			timeAtLastEncounter: {
				ageRange: { start: { iso8601duration: 'P30Y' }, end: { iso8601duration: 'P34Y' } }
			}
		});
		expect(
			packet.metaData.resources.map(
				(resource: { namespacePrefix: string }) => resource.namespacePrefix
			)
		).toEqual(['HP', 'ORPHA', 'GENO', 'MONDO']);
		// The definitions refuse a feature without its term's id, a field v2 does not have, an
		// unknown ACMG class and two members of one oneof.
		expect(
			phenopacketProblems({ ...packet, phenotypicFeatures: [{ type: { label: 'x' } }] })
		).toEqual(['$.phenotypicFeatures[0].type.id: required']);
		expect(
			phenopacketProblems({
				...packet,
				phenotypicFeatures: [{ type: { id: 'HP:0001250' }, negated: true }]
			})
		).toEqual(['$.phenotypicFeatures[0].negated: no such field in PhenotypicFeature']);
		const badAcmg = structuredClone(packet);
		badAcmg.interpretations[0].diagnosis.genomicInterpretations[0].variantInterpretation.acmgPathogenicityClassification =
			'PROBABLY_BAD';
		expect(phenopacketProblems(badAcmg)).toHaveLength(1);
		expect(
			phenopacketProblems({
				...packet,
				phenotypicFeatures: [
					{
						type: { id: 'HP:0001250' },
						onset: { age: { iso8601duration: 'P1Y' }, timestamp: '2020-01-01T00:00:00Z' }
					}
				]
			})
		).toHaveLength(1);
	});

	it('splits the phenopacket ZIP into parts before the ZIP limits (no ZIP64)', async () => {
		const couch = couchWith(cohort(20));
		const { status } = await runExport(
			couch,
			{ format: 'phenopacket', options: { excelBom: false, k: 2 } },
			5
		);
		const subjectCount = status.files.find((file) => file.name === 'phenopackets.ndjson')?.rows;
		expect(subjectCount).toBeGreaterThan(10);
		const count = subjectCount ?? 0;
		const zips = status.files.filter((file) => file.name.endsWith('.zip'));
		expect(zips.map((file) => [file.name, file.rows])).toEqual(
			Array.from({ length: Math.ceil(count / 5) }, (_, part) => [
				part === 0 ? 'phenopackets.zip' : `phenopackets-${part + 1}.zip`,
				Math.min(5, count - part * 5)
			])
		);
		const names = new Set<string>();
		for (const zip of zips) {
			const bytes = await readFile(path.join(dir, status.id, zip.name));
			for (const name of Object.keys(unzipSync(new Uint8Array(bytes)))) names.add(name);
		}
		expect(names.size).toBe(count);
	});
});

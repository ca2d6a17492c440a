import { existsSync, readFileSync } from 'node:fs';
import { seededRandom } from '../../tests/support/fault-proxy';

/**
 * Seeded, realistic `response` documents (FHIR QuestionnaireResponse + Dazzle fields) of
 * ~1.7–2 KB for sync benchmarks: the same seed gives the same documents, so runs compare.
 * Answers mix free-text sentences, HPO codings (from /work/shared/data/hpo when present),
 * dates, integers and decimals, as a patient's diary and questionnaires would.
 */

const HPO_FILE = '/work/shared/data/hpo/hpo-labels.tsv';
const HPO_SYSTEM = 'http://purl.obolibrary.org/obo/hp.owl';
const FORMS = 'https://dazzle.example/fhir/Questionnaire';

export interface Coding {
	system: string;
	code: string;
	display: string;
}

export type Answer =
	| { valueString: string }
	| { valueCoding: Coding }
	| { valueDate: string }
	| { valueDateTime: string }
	| { valueInteger: number }
	| { valueDecimal: number };

export interface ResponseItem {
	linkId: string;
	text: string;
	answer?: Answer[];
	item?: ResponseItem[];
}

export interface ResponseDoc {
	_id: string;
	type: 'response';
	schema_version: 1;
	resourceType: 'QuestionnaireResponse';
	questionnaire: string;
	status: 'in-progress' | 'completed' | 'amended';
	subject: string;
	authored: string;
	updated_at: string;
	device: string;
	item: ResponseItem[];
}

const FALLBACK_TERMS: Coding[] = [
	['HP:0001250', 'Seizure'],
	['HP:0012378', 'Fatigue'],
	['HP:0002315', 'Headache'],
	['HP:0002829', 'Arthralgia'],
	['HP:0001252', 'Hypotonia'],
	['HP:0002017', 'Nausea and vomiting'],
	['HP:0000716', 'Depression'],
	['HP:0002360', 'Sleep abnormality'],
	['HP:0003326', 'Myalgia'],
	['HP:0001945', 'Fever'],
	['HP:0002094', 'Dyspnea'],
	['HP:0001649', 'Tachycardia']
].map(([code, display]) => ({ system: HPO_SYSTEM, code: code!, display: display! }));

/** A patient's phenotype: a few dozen HPO terms they record again and again. */
function phenotype(random: () => number, size: number): Coding[] {
	if (!existsSync(HPO_FILE)) return FALLBACK_TERMS;
	const rows = readFileSync(HPO_FILE, 'utf8')
		.split('\n')
		.slice(1)
		.map((line) => line.split('\t'))
		.filter((cells) => cells[0]?.startsWith('HP:') && cells[1]);
	const chosen: Coding[] = [];
	for (let index = 0; index < size; index += 1) {
		const cells = rows[Math.floor(random() * rows.length)]!;
		chosen.push({ system: HPO_SYSTEM, code: cells[0]!, display: cells[1]! });
	}
	return chosen;
}

const WHEN = [
	'This morning',
	'Yesterday evening',
	'Over the weekend',
	'Since Tuesday',
	'After school',
	'During the night',
	'At the clinic visit',
	'Right after lunch',
	'Twice this week',
	'On the way home',
	'Before physiotherapy',
	'For most of the day'
];
const WHO = ['she', 'he', 'my son', 'my daughter', 'I', 'we both', 'the little one', 'my partner'];
const VERB = [
	'had',
	'noticed',
	'complained of',
	'was bothered by',
	'struggled with',
	'mentioned',
	'felt'
];
const HOW = [
	'mildly',
	'badly',
	'on and off',
	'more than usual',
	'less than last week',
	'for about {n} minutes',
	'for {n} hours',
	'around {n} times'
];
const TAIL = [
	'after a long walk',
	'and needed to rest',
	'but slept well afterwards',
	'so we called the nurse',
	'while on the new dose',
	'which the doctor wants noted',
	'after skipping breakfast',
	'during the hot weather',
	'when the routine changed',
	'and it eased with the cream',
	'like it did in spring',
	'and school sent her home early'
];
const MEDICINES = [
	'Levetiracetam',
	'Ibuprofen',
	'Paracetamol',
	'Baclofen',
	'Melatonin',
	'Omeprazole',
	'Vitamin D',
	'Enzyme replacement infusion',
	'Salbutamol',
	'Prednisolone'
];
const GENES = ['COL1A1', 'SCN1A', 'DMD', 'CFTR', 'FBN1', 'MECP2', 'NF1', 'SMN1', 'TSC2', 'PKD1'];
const LEVELS = [
	'No problems',
	'Slight problems',
	'Moderate problems',
	'Severe problems',
	'Unable to'
];

type ItemMaker = (pick: Picker) => ResponseItem;

interface Picker {
	random(): number;
	int(min: number, max: number): number;
	one<T>(list: readonly T[]): T;
	sentence(): string;
	term(): Coding;
	date(): string;
	dateTime(): string;
}

const string = (linkId: string, text: string, value: (pick: Picker) => string): ItemMaker => {
	return (pick) => ({ linkId, text, answer: [{ valueString: value(pick) }] });
};

/** The questionnaires a patient answers, with their items (each response answers a subset). */
const QUESTIONNAIRES: { url: string; items: ItemMaker[] }[] = [
	{
		url: `${FORMS}/symptom-diary|2.1.0`,
		items: [
			(pick) => ({
				linkId: 'episode-date',
				text: 'When did it happen?',
				answer: [{ valueDate: pick.date() }]
			}),
			(pick) => ({
				linkId: 'main-symptom',
				text: 'What was the main symptom?',
				answer: [{ valueCoding: pick.term() }]
			}),
			(pick) => ({
				linkId: 'severity',
				text: 'How severe was it (0 = none, 10 = worst)?',
				answer: [{ valueInteger: pick.int(0, 10) }]
			}),
			(pick) => ({
				linkId: 'duration-hours',
				text: 'How long did it last, in hours?',
				answer: [{ valueDecimal: pick.int(1, 480) / 10 }]
			}),
			(pick) => ({
				linkId: 'other-symptoms',
				text: 'Any other symptoms at the same time?',
				answer: Array.from({ length: pick.int(1, 3) }, () => ({ valueCoding: pick.term() }))
			}),
			string('triggers', 'What might have triggered it?', (pick) => pick.sentence()),
			string('notes', 'Anything else you want to remember?', (pick) =>
				[pick.sentence(), pick.sentence()].join(' ')
			)
		]
	},
	{
		url: `${FORMS}/quality-of-life|1.3.0`,
		items: [
			...['mobility', 'self-care', 'usual-activities', 'pain-discomfort', 'anxiety-depression'].map(
				(dimension, index): ItemMaker =>
					(pick) => {
						const level = pick.int(1, 5);
						return {
							linkId: dimension,
							text: `Today, ${dimension.replace('-', ' and ')}: which level describes it best?`,
							answer: [
								{
									valueCoding: {
										system: `${FORMS}/quality-of-life/levels`,
										code: `${index + 1}.${level}`,
										display: LEVELS[level - 1]!
									}
								}
							]
						};
					}
			),
			(pick) => ({
				linkId: 'health-today',
				text: 'How good is your health today (0–100)?',
				answer: [{ valueInteger: pick.int(20, 100) }]
			}),
			string('comment', 'Would you like to add a comment?', (pick) => pick.sentence())
		]
	},
	{
		url: `${FORMS}/medication-log|1.0.2`,
		items: [
			string('medication', 'Which medicine?', (pick) => pick.one(MEDICINES)),
			(pick) => ({
				linkId: 'dose-mg',
				text: 'Dose in mg',
				answer: [{ valueDecimal: pick.int(5, 4000) / 4 }]
			}),
			(pick) => ({
				linkId: 'taken-at',
				text: 'When was it taken?',
				answer: [{ valueDateTime: pick.dateTime() }]
			}),
			(pick) => ({
				linkId: 'side-effects',
				text: 'Did you notice side effects?',
				answer: [{ valueCoding: pick.term() }]
			}),
			string('notes', 'Notes for your care team', (pick) =>
				[pick.sentence(), pick.sentence()].join(' ')
			)
		]
	},
	{
		url: `${FORMS}/natural-history|3.0.0`,
		items: [
			(pick) => ({
				linkId: 'growth',
				text: 'Growth',
				item: [
					{
						linkId: 'growth.weight-kg',
						text: 'Weight (kg)',
						answer: [{ valueDecimal: pick.int(80, 900) / 10 }]
					},
					{
						linkId: 'growth.height-cm',
						text: 'Height (cm)',
						answer: [{ valueDecimal: pick.int(500, 1900) / 10 }]
					},
					{
						linkId: 'growth.measured-on',
						text: 'Measured on',
						answer: [{ valueDate: pick.date() }]
					}
				]
			}),
			(pick) => ({
				linkId: 'hospital-visits',
				text: 'Hospital visits since the last questionnaire',
				answer: [{ valueInteger: pick.int(0, 6) }]
			}),
			(pick) => ({
				linkId: 'new-findings',
				text: 'New findings from your doctors',
				answer: Array.from({ length: pick.int(1, 2) }, () => ({ valueCoding: pick.term() }))
			}),
			string('milestones', 'Milestones or changes in daily life', (pick) => pick.sentence()),
			string('notes', 'Anything else?', (pick) => pick.sentence())
		]
	},
	{
		url: `${FORMS}/genetics|1.2.0`,
		items: [
			string('gene', 'Gene named in the report', (pick) => pick.one(GENES)),
			string(
				'variant',
				'Variant (HGVS) as written in the report',
				(pick) =>
					`c.${pick.int(20, 9000)}${pick.one(['A', 'C', 'G', 'T'])}>${pick.one(['A', 'C', 'G', 'T'])}`
			),
			(pick) => ({
				linkId: 'test-date',
				text: 'Date of the genetic test',
				answer: [{ valueDate: pick.date() }]
			}),
			string('explanation', 'What did the geneticist explain?', (pick) =>
				[pick.sentence(), pick.sentence()].join(' ')
			)
		]
	},
	{
		url: `${FORMS}/sleep-and-fatigue|1.0.0`,
		items: [
			(pick) => ({
				linkId: 'hours-slept',
				text: 'Hours slept last night',
				answer: [{ valueDecimal: pick.int(20, 110) / 10 }]
			}),
			(pick) => ({
				linkId: 'wakings',
				text: 'How many times did you wake up?',
				answer: [{ valueInteger: pick.int(0, 8) }]
			}),
			(pick) => ({
				linkId: 'fatigue',
				text: 'Fatigue during the day (0–10)',
				answer: [{ valueInteger: pick.int(0, 10) }]
			}),
			string('naps', 'Naps and rests', (pick) => pick.sentence()),
			string('notes', 'Notes', (pick) => [pick.sentence(), pick.sentence()].join(' '))
		]
	}
];

function uuid(random: () => number): string {
	const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
	hex[12] = '4';
	hex[16] = (8 + Math.floor(random() * 4)).toString(16);
	const text = hex.join('');
	return `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-${text.slice(20)}`;
}

export interface GeneratedResponses {
	docs: ResponseDoc[];
	/** JSON sizes of the documents (bytes): smallest, mean, largest. */
	sizes: { min: number; mean: number; max: number };
}

/** `count` response documents of one patient, seeded. */
export function generateResponses(count: number, seed: number): GeneratedResponses {
	const random = seededRandom(seed);
	const terms = phenotype(random, 200);
	const devices = Array.from({ length: 3 }, () => `device-${uuid(random).slice(0, 8)}`);
	const subject = uuid(random);
	const start = Date.parse('2021-03-01T00:00:00Z');
	const span = Date.parse('2026-11-01T00:00:00Z') - start;
	const pick: Picker = {
		random,
		int: (min, max) => min + Math.floor(random() * (max - min + 1)),
		one: (list) => list[Math.floor(random() * list.length)]!,
		term: () => pick.one(terms),
		date: () => new Date(start + random() * span).toISOString().slice(0, 10),
		dateTime: () => new Date(start + random() * span).toISOString(),
		sentence: () => {
			const how = pick.one(HOW).replace('{n}', String(pick.int(2, 45)));
			const clock = `${pick.int(6, 23)}:${String(pick.int(0, 59)).padStart(2, '0')}`;
			const when = `${pick.one(WHEN)} (about ${clock})`;
			const also = random() < 0.5 ? ` and ${pick.term().display.toLowerCase()}` : '';
			return `${when}, ${pick.one(WHO)} ${pick.one(VERB)} ${pick.term().display.toLowerCase()}${also} ${how} ${pick.one(TAIL)}.`;
		}
	};
	const docs: ResponseDoc[] = [];
	const lengths: number[] = [];
	for (let index = 0; index < count; index += 1) {
		const form = pick.one(QUESTIONNAIRES);
		const authored = start + random() * span;
		const doc: ResponseDoc = {
			_id: uuid(random),
			type: 'response',
			schema_version: 1,
			resourceType: 'QuestionnaireResponse',
			questionnaire: form.url,
			status: pick.one(['completed', 'completed', 'completed', 'in-progress', 'amended'] as const),
			subject,
			authored: new Date(authored).toISOString(),
			updated_at: new Date(authored + random() * 86_400_000 * 3).toISOString(),
			device: pick.one(devices),
			item: []
		};
		// Answer the questionnaire (again and again, as diaries do) up to a size of 1.7–2 KB.
		const target = pick.int(1_700, 1_950);
		let length = JSON.stringify(doc).length;
		for (let round = 0; length < target && round < 20; round += 1) {
			for (const make of form.items) {
				const item = make(pick);
				if (round > 0) item.linkId = `${item.linkId}#${round + 1}`;
				const grown = length + JSON.stringify(item).length + 1;
				if (grown > 2_000) continue;
				doc.item.push(item);
				length = grown;
				if (length >= target) break;
			}
		}
		docs.push(doc);
		lengths.push(JSON.stringify(doc).length);
	}
	return {
		docs,
		sizes: {
			min: Math.min(...lengths),
			mean: lengths.reduce((sum, length) => sum + length, 0) / Math.max(1, lengths.length),
			max: Math.max(...lengths)
		}
	};
}

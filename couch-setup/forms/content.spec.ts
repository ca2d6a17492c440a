import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/lib/forms/analyze';
import { compileQuestionnaire, isQuestion, type TextSubject } from '../../src/lib/forms/definition';
import { createDraft, openResponse } from '../../src/lib/forms/engine';
import { EXT, extensionOf, extensionsOf, translationsOf } from '../../src/lib/forms/extensions';
import {
	parseQuestionnaire,
	type Coding,
	type Extension,
	type PrimitiveExtensions,
	type Questionnaire,
	type QuestionnaireItem
} from '../../src/lib/forms/fhir';
import { validateResponse } from '../../src/lib/forms/response-check';
import { itemText, optionLabel } from '../../src/lib/forms/text';
import { migrateDraft } from '../../src/lib/forms/versions';
import { CONSENT_SCOPES } from '../../src/lib/schemas/consent';
import { buildForms, FORMS_DIR, strayFiles } from './build';
import { HPO_VALUE_SET, LANGS } from './src/author';
import { HGVS_REGEX } from './src/genetics';
import { AUTHORED } from './src/index';

const load = async (file: string): Promise<Questionnaire> =>
	JSON.parse(await readFile(path.join(FORMS_DIR, file), 'utf8')) as Questionnaire;

const ACTIVE = AUTHORED.filter((questionnaire) => questionnaire.status === 'active');
const byName = (name: string) =>
	AUTHORED.find((q) => q.url.endsWith(`/${name}`) && q.status === 'active')!;

/**
 * Every place a person reads text, with the translations it carries: title, item texts, the
 * proxy/child variants, answer options, units, entry formats and constraint messages.
 */
function texts(
	questionnaire: Questionnaire
): { where: string; base: string | undefined; translations: Record<string, string> }[] {
	const found: { where: string; base: string | undefined; translations: Record<string, string> }[] =
		[
			{
				where: 'title',
				base: questionnaire.title,
				translations: translationsOf(questionnaire._title)
			}
		];
	const primitive = (extension: Extension | undefined) =>
		translationsOf(extension?._valueString as PrimitiveExtensions | undefined);
	const coding = (where: string, value: Coding) =>
		found.push({ where, base: value.display, translations: translationsOf(value._display) });
	const walk = (items: QuestionnaireItem[]) => {
		for (const item of items) {
			const at = item.linkId;
			found.push({ where: at, base: item.text, translations: translationsOf(item._text) });
			for (const option of item.answerOption ?? []) {
				if (option.valueCoding)
					coding(`${at} option ${option.valueCoding.code}`, option.valueCoding);
				else
					found.push({
						where: `${at} option`,
						base: String(Object.values(option)[0]),
						translations: {}
					});
			}
			for (const url of [EXT.unit, EXT.unitOption]) {
				for (const unit of extensionsOf(item, url)) coding(`${at} unit`, unit.valueCoding!);
			}
			const format = extensionOf(item, EXT.entryFormat);
			if (format)
				found.push({
					where: `${at} format`,
					base: format.valueString,
					translations: primitive(format)
				});
			for (const variant of extensionsOf(item, EXT.textVariant)) {
				const content = extensionOf(variant, 'content');
				found.push({
					where: `${at} variant`,
					base: content?.valueString,
					translations: primitive(content)
				});
			}
			for (const constraint of extensionsOf(item, EXT.constraint)) {
				const human = extensionOf(constraint, 'human');
				found.push({
					where: `${at} constraint`,
					base: human?.valueString,
					translations: primitive(human)
				});
			}
			walk(item.item ?? []);
		}
	};
	walk(questionnaire.item ?? []);
	return found;
}

/** "where: lang" for each text that lacks a language or reads as English in Arabic. */
function missingTranslations(questionnaire: Questionnaire): string[] {
	return texts(questionnaire).flatMap(({ where, base, translations }) => {
		const problems: string[] = [];
		if (!base?.trim()) problems.push(`${where}: en`);
		for (const lang of LANGS) {
			if (lang === 'en') continue;
			if (!translations[lang]?.trim()) problems.push(`${where}: ${lang}`);
		}
		// A sentence (two words or more) left in English in the Arabic slot is not translated.
		const words = base?.match(/[A-Za-z]{2,}/g) ?? [];
		const arabic = translations.ar;
		if (arabic && words.length >= 2 && !/[\u0600-\u06FF]/.test(arabic)) {
			problems.push(`${where}: ar is not Arabic`);
		}
		return problems;
	});
}

describe('bundled questionnaires: source and build', () => {
	it('the committed JSON is exactly what npm run forms:build writes', async () => {
		const built = await buildForms();
		for (const [file, text] of built) {
			expect(await readFile(path.join(FORMS_DIR, file), 'utf8'), file).toBe(text);
		}
		expect(await strayFiles(built)).toEqual([]);
		// Prettier formats ~800 KB of JSON: about 6 s on a loaded 2-core machine.
	}, 60_000);

	it('the six research questionnaires and daily life are active; the mood check is retired', () => {
		expect(ACTIVE.map((q) => q.url.split('/').at(-1)).sort()).toEqual([
			'about-the-person',
			'daily-life',
			'genotype',
			'medication',
			'natural-history',
			'phenotype',
			'quality-of-life'
		]);
		const mood = AUTHORED.find((q) => q.url.endsWith('/mood-check'));
		expect(mood?.status).toBe('retired');
	});
});

describe.each(ACTIVE.map((q) => [`${q.url.split('/').at(-1)}|${q.version}`, q] as const))(
	'%s',
	(_name, questionnaire) => {
		const definition = compileQuestionnaire(questionnaire);

		it('has every text, option, unit, hint and message in all 9 languages', () => {
			expect(missingTranslations(questionnaire)).toEqual([]);
			// Options from a bundled value set are translated there.
			for (const item of definition.items) {
				// The HPO is searched on the device (src/lib/hpo), not listed as options.
				if (!item.source.answerValueSet || item.source.answerValueSet === HPO_VALUE_SET) continue;
				for (const option of item.options) {
					const english = optionLabel(option, 'en');
					const labels = LANGS.map((lang) => optionLabel(option, lang));
					expect(
						labels.filter((label) => !label),
						item.linkId
					).toEqual([]);
					expect(labels.slice(1).some((label) => label !== english) || english.length <= 3).toBe(
						true
					);
				}
			}
		});

		it('parses, declares its consent scope and uses nothing the engine does not support', () => {
			expect(parseQuestionnaire(JSON.parse(JSON.stringify(questionnaire))).success).toBe(true);
			expect(CONSENT_SCOPES).toContain(definition.consentScope);
			expect(analyze(questionnaire)).toEqual([]);
		});

		it('asks each question once', () => {
			const questions = definition.items.filter(isQuestion).map((item) => item.text);
			expect(questions.filter((text, index) => questions.indexOf(text) !== index)).toEqual([]);
		});

		it('marks coded, numeric and date answers research-safe, free text only when it is a code', () => {
			for (const item of definition.items) {
				if (!isQuestion(item)) continue;
				if (item.type === 'text' || item.type === 'url') {
					expect(item.researchSafe, item.linkId).toBe(false);
				} else if (item.type === 'string') {
					// A string is safe only when a pattern holds it to a code (gene, HGVS, ORPHA,
					// country, trial number) or it names a medicine, never a person.
					expect(item.researchSafe, item.linkId).toBe(
						item.regex !== undefined || item.linkId === 'med.name'
					);
				} else {
					expect(item.researchSafe, item.linkId).toBe(true);
				}
			}
		});

		it.each(['self', 'other-adult', 'child'] as TextSubject[])(
			'reads in every language for %s',
			(subject) => {
				for (const lang of LANGS) {
					for (const item of definition.items) {
						const text = itemText(item, { lang, subject });
						expect(text?.trim(), `${item.linkId} ${lang}`).toBeTruthy();
						if (lang !== 'en' && item.textVariants[subject === 'self' ? 'child' : subject]) {
							expect(text).not.toBe(itemText(item, { lang: 'en', subject }));
						}
					}
				}
			}
		);

		it('a complete response round-trips through validateResponse', async () => {
			const engine = await createDraft(definition, { subject: { reference: 'Patient/p1' } });
			fillIn(engine);
			const outcome = engine.complete();
			if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
			const stored = JSON.parse(JSON.stringify(outcome.response));
			expect(await validateResponse(definition, stored)).toEqual([]);
			const reopened = await openResponse(definition, stored);
			expect(reopened.strays).toEqual([]);
			expect(reopened.engine.toResponse()).toEqual(outcome.response);
		});
	}
);

type Engine = Awaited<ReturnType<typeof createDraft>>;

/** Answers every enabled question with a valid value (its own example for patterned text). */
function fillIn(engine: Engine): void {
	for (let pass = 0; pass < 6; pass += 1) {
		let changed = false;
		for (const path of engine.allPaths()) {
			const item = engine.itemAt(path);
			if (!isQuestion(item) || item.readOnly || !engine.isEnabled(path)) continue;
			if (engine.answersAt(path).length > 0) continue;
			const value =
				item.type === 'boolean'
					? { valueBoolean: true }
					: item.type === 'integer'
						? { valueInteger: 3 }
						: item.type === 'decimal'
							? { valueDecimal: 4.5 }
							: item.type === 'date'
								? { valueDate: '2021-03-04' }
								: item.type === 'url'
									? { valueUri: 'https://example.org/report' }
									: item.type === 'quantity'
										? {
												valueQuantity: {
													value: 2,
													unit: item.units[0]?.display,
													system: item.units[0]?.system,
													code: item.units[0]?.code
												}
											}
										: item.type === 'choice' || item.type === 'open-choice'
											? item.options.length > 0
												? engine.optionValue(item.options[0]!)
												: { valueString: 'Seizures' }
											: { valueString: item.entryFormat ?? 'An answer' };
			engine.setAnswer(path, value);
			changed = true;
		}
		if (!changed) return;
	}
}

describe('what the questionnaires calculate and check', () => {
	it('natural history: the diagnostic delay is calculated; a discharge before admission is refused', async () => {
		const engine = await createDraft(compileQuestionnaire(byName('natural-history')));
		engine.setAnswer(
			'diagnosis/diagnosis.status',
			engine.optionValue(engine.itemAt('diagnosis/diagnosis.status').options[0]!)
		);
		engine.setAnswer('first-symptom-age', { valueInteger: 2 });
		engine.setAnswer('diagnosis/diagnosis.age', { valueInteger: 9 });
		expect(engine.answersAt('delay')).toEqual([{ valueInteger: 7 }]);
		// The age at diagnosis before the first symptom is a warning, not a refusal.
		engine.setAnswer('diagnosis/diagnosis.age', { valueInteger: 1 });
		const warnings = engine.errorsAt('diagnosis/diagnosis.age', { complete: false });
		expect(warnings.map((error) => [error.params?.constraint, error.warning])).toEqual([
			['diagnosis-after-onset', true]
		]);

		engine.setAnswer('hospitalised', { valueBoolean: true });
		const [stay] = engine.containersOf('stay');
		engine.setAnswer(`${stay}/stay.admitted`, { valueDate: '2024-02-10' });
		engine.setAnswer(`${stay}/stay.discharged`, { valueDate: '2024-02-01' });
		const errors = engine.errorsAt(`${stay}/stay.discharged`, { complete: false });
		expect(errors.map((error) => error.params?.constraint)).toEqual(['discharge-after-admission']);
		expect(errors[0]?.text?.translations.es).toBe('El alta no puede ser anterior al ingreso.');
		engine.setAnswer(`${stay}/stay.discharged`, { valueDate: '2024-02-14' });
		expect(engine.errorsAt(`${stay}/stay.discharged`, { complete: false })).toEqual([]);
	});

	it('quality of life: the summary is the mean of the four 0–10 scales, once all are answered', async () => {
		const engine = await createDraft(compileQuestionnaire(byName('quality-of-life')));
		engine.setAnswer('body/activities', { valueInteger: 2 });
		engine.setAnswer('body/pain', { valueInteger: 7 });
		engine.setAnswer('body/fatigue', { valueInteger: 5 });
		expect(engine.answersAt('summary')).toEqual([]);
		engine.setAnswer('feelings/social', { valueInteger: 3 });
		expect(engine.answersAt('summary')).toEqual([{ valueDecimal: 4.3 }]);
	});

	it('genetics: HGVS is checked for its basic shape', () => {
		// As validate.ts applies a FHIR regex: the whole answer must match.
		const fullMatch = (text: string) => new RegExp(`^(?:${HGVS_REGEX})$`, 'u').test(text);
		for (const good of [
			'NM_000000.0:c.123A>G',
			'c.1521_1523del',
			'p.(Arg41Ter)',
			'p.Arg41*',
			'NM_004006.2:c.4375C>T',
			'c.-14G>C',
			'c.88+1G>T',
			'p.(Gly12Valfs*3)',
			'NC_000023.11:g.33344591del',
			'c.100_102dup',
			'p.0'
		]) {
			expect(fullMatch(good), good).toBe(true);
		}
		for (const bad of ['Arg41Ter', 'c.', 'NM_000000.0', 'c.123 A>G', 'pathogenic', 'p.(41Ter)']) {
			expect(fullMatch(bad), bad).toBe(false);
		}
	});

	it('speaks about the person cared for with the same linkIds', () => {
		const pain = compileQuestionnaire(byName('quality-of-life')).byLinkId.get('pain')!;
		expect(itemText(pain, 'en')).toBe('How much pain have you had?');
		expect(itemText(pain, { lang: 'en', subject: 'child' })).toBe(
			'How much pain has your child had?'
		);
		expect(itemText(pain, { lang: 'es', subject: 'child' })).toBe(
			'¿Cuánto dolor ha tenido tu hijo o hija?'
		);
		expect(itemText(pain, { lang: 'ar', subject: 'other-adult' })).toBe(
			'ما مقدار الألم الذي شعر به؟'
		);
	});

	it('the translation check catches a missing language and English left in Arabic', () => {
		const copy = structuredClone(byName('genotype'));
		const first = copy.item!.find((item) => item.linkId === 'tested')!;
		first._text!.extension = first._text!.extension!.filter(
			(extension) => extensionOf(extension, 'lang')?.valueCode !== 'ro'
		);
		const arabic = first._text!.extension!.find(
			(extension) => extensionOf(extension, 'lang')?.valueCode === 'ar'
		)!;
		extensionOf(arabic, 'content')!.valueString = 'Has a test been done?';
		expect(missingTranslations(copy)).toEqual(['tested: ro', 'tested: ar is not Arabic']);
	});
});

describe('published versions keep working', () => {
	it('a natural-history v2 draft moves to v3: answers kept by linkId, the rest set aside', async () => {
		const v2 = compileQuestionnaire(await load('natural-history.v2.json'));
		const v3 = compileQuestionnaire(byName('natural-history'));
		const draft = await createDraft(v2);
		draft.setAnswer('diagnosis/diagnosis.name', { valueString: 'Fabry disease' });
		draft.setAnswer('diagnosis/diagnosis.onset-age', { valueDecimal: 4 });
		draft.setAnswer('first-symptom-age', { valueInteger: 4 });
		draft.setAnswer('hospitalised', { valueBoolean: true });
		const [stay] = draft.containersOf('stay');
		draft.setAnswer(`${stay}/stay.admitted`, { valueDate: '2024-02-10' });
		draft.setAnswer(`${stay}/stay.ward`, { valueString: 'Neurology' });
		const { engine, setAside } = await migrateDraft(draft.toResponse(), v2, v3);
		expect(setAside.map((entry) => [entry.linkId, entry.reason])).toEqual([
			['diagnosis.onset-age', 'removed'],
			['stay.ward', 'invalid']
		]);
		expect(engine.answersAt('diagnosis/diagnosis.name')).toEqual([
			{ valueString: 'Fabry disease' }
		]);
		expect(engine.answersAt('first-symptom-age')).toEqual([{ valueInteger: 4 }]);
		const [moved] = engine.containersOf('stay');
		expect(engine.answersAt(`${moved}/stay.admitted`)).toEqual([{ valueDate: '2024-02-10' }]);
		expect(await validateResponse(v3, engine.toResponse())).toEqual([]);
	});

	it('a daily-life v1 draft moves to v2 with nothing set aside', async () => {
		const v1 = compileQuestionnaire(await load('daily-life.v1.json'));
		const v2 = compileQuestionnaire(byName('daily-life'));
		const draft = await createDraft(v1);
		draft.setAnswer('sleep-hours', { valueDecimal: 6.5 });
		draft.setAnswer('pain', { valueInteger: 4 });
		draft.setAnswer('pain-where', { valueString: 'knees' });
		const { engine, setAside } = await migrateDraft(draft.toResponse(), v1, v2);
		expect(setAside).toEqual([]);
		expect(engine.answersAt('pain-where')).toEqual([{ valueString: 'knees' }]);
	});

	it('a completed mood-check v1 response still opens with v1', async () => {
		const v1 = compileQuestionnaire(await load('mood-check.v1.json'));
		const engine = await createDraft(v1);
		for (const path of engine.allPaths()) {
			const item = engine.itemAt(path);
			if (item.type === 'choice' && item.required)
				engine.setAnswer(path, engine.optionValue(item.options[0]!));
		}
		const outcome = engine.complete();
		if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
		expect(await validateResponse(v1, JSON.parse(JSON.stringify(outcome.response)))).toEqual([]);
	});
});

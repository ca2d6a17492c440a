/**
 * The FHIR R4 rules a QuestionnaireResponse must keep against its Questionnaire, checked
 * independently of the engine (tests only): every item's linkId is an item of the
 * questionnaire at that place; groups carry no answers (qrs-1: items nest under an item or an
 * answer, never both: a question's children sit in `answer.item`); display items are absent;
 * a non-repeating item appears once and holds at most one answer; each answer's value[x] is
 * one its item's type allows (R4 QuestionnaireResponse.item.answer.value[x], by item type);
 * and items named as disabled (by path) are absent. Returns readable problems (empty when it holds).
 */

type Json = Record<string, unknown>;

const TYPE_VALUES: Record<string, string[]> = {
	boolean: ['valueBoolean'],
	decimal: ['valueDecimal'],
	integer: ['valueInteger'],
	date: ['valueDate'],
	dateTime: ['valueDateTime'],
	time: ['valueTime'],
	string: ['valueString'],
	text: ['valueString'],
	url: ['valueUri'],
	choice: ['valueCoding', 'valueString', 'valueInteger', 'valueDate', 'valueTime'],
	'open-choice': ['valueCoding', 'valueString', 'valueInteger', 'valueDate', 'valueTime'],
	// R5 style, as imported
	coding: ['valueCoding', 'valueString'],
	attachment: ['valueAttachment'],
	reference: ['valueReference'],
	quantity: ['valueQuantity']
};

export function checkR4Response(
	questionnaire: Json,
	response: Json,
	/** Items that must be absent, as `/group#instance/linkId` (instances as they appear). */
	disabled: ReadonlySet<string> = new Set()
): string[] {
	const problems: string[] = [];
	if (response.resourceType !== 'QuestionnaireResponse')
		problems.push('not a QuestionnaireResponse');
	if (
		!['in-progress', 'completed', 'amended', 'entered-in-error', 'stopped'].includes(
			String(response.status)
		)
	)
		problems.push(`status ${String(response.status)}`);
	const walk = (definitions: Json[], items: Json[], where: string) => {
		const seen = new Map<string, number>();
		for (const item of items) {
			const linkId = String(item.linkId);
			const definition = definitions.find((candidate) => candidate.linkId === linkId);
			const count = (seen.get(linkId) ?? 0) + 1;
			seen.set(linkId, count);
			const repeatingGroup = definition?.type === 'group' && definition.repeats === true;
			// Instances of a repeating group are numbered as they appear: `/visit#1/date`.
			const at = `${where}/${linkId}${repeatingGroup ? `#${count - 1}` : ''}`;
			if (!definition) {
				problems.push(`${at}: no such item here in the questionnaire`);
				continue;
			}
			if (disabled.has(at)) problems.push(`${at}: answered although disabled`);
			if (count > 1 && !repeatingGroup)
				problems.push(`${at}: appears ${count} times but does not repeat`);
			const answers = (item.answer as Json[] | undefined) ?? [];
			const children = (item.item as Json[] | undefined) ?? [];
			const childDefinitions = (definition.item as Json[] | undefined) ?? [];
			if (definition.type === 'display') problems.push(`${at}: a display item is in the response`);
			if (definition.type === 'group') {
				if (answers.length > 0) problems.push(`${at}: a group has answers`);
				walk(childDefinitions, children, at);
				continue;
			}
			if (children.length > 0)
				problems.push(`${at}: a question has item.item (qrs-1: use answer.item)`);
			if (answers.length === 0) problems.push(`${at}: a question without answers`);
			if (answers.length > 1 && !definition.repeats)
				problems.push(`${at}: ${answers.length} answers to a non-repeating question`);
			const allowed = TYPE_VALUES[String(definition.type)] ?? [];
			for (const answer of answers) {
				const keys = Object.keys(answer).filter((key) => key.startsWith('value'));
				if (keys.length !== 1) problems.push(`${at}: an answer with ${keys.length} value[x]`);
				else if (!allowed.includes(keys[0]!))
					problems.push(`${at}: ${keys[0]} is not an answer for type ${String(definition.type)}`);
				walk(childDefinitions, (answer.item as Json[] | undefined) ?? [], at);
			}
		}
	};
	walk(
		(questionnaire.item as Json[] | undefined) ?? [],
		(response.item as Json[] | undefined) ?? [],
		''
	);
	return problems;
}

/** Texts and answer options more than one questionnaire uses. */
import { options, type T } from './author';

export const WHO_FILLS_IN_HELP: T = {
	en: 'If you fill this in for someone you care for, answer about them.',
	es: 'Si lo rellenas por una persona a la que cuidas, responde pensando en ella.',
	ca: 'Si l’emplenes per una persona que cuides, respon pensant en ella.',
	fr: 'Si vous le remplissez pour une personne dont vous vous occupez, répondez à son sujet.',
	it: 'Se lo compili per una persona di cui ti prendi cura, rispondi pensando a lei.',
	pt: 'Se o preencher por alguém de quem cuida, responda sobre essa pessoa.',
	ro: 'Dacă îl completezi pentru cineva de care ai grijă, răspunde despre acea persoană.',
	de: 'Wenn Sie dies für jemanden ausfüllen, den Sie betreuen, antworten Sie über diese Person.',
	ar: 'إذا كنت تملأ هذا عن شخص تعتني به، فأجب عنه هو.'
};

export const DATE_FORMAT: T = {
	en: 'YYYY-MM-DD',
	es: 'AAAA-MM-DD',
	ca: 'AAAA-MM-DD',
	fr: 'AAAA-MM-JJ',
	it: 'AAAA-MM-GG',
	pt: 'AAAA-MM-DD',
	ro: 'AAAA-LL-ZZ',
	de: 'JJJJ-MM-TT',
	ar: 'سنة-شهر-يوم'
};

export const YEARS: T = {
	en: 'years',
	es: 'años',
	ca: 'anys',
	fr: 'ans',
	it: 'anni',
	pt: 'anos',
	ro: 'ani',
	de: 'Jahre',
	ar: 'سنوات'
};

/** "0 = not at all, 10 = completely": the hint under every 0–10 limitation scale. */
export const LIMIT_SCALE_HINT: T = {
	en: '0 = not at all, 10 = completely',
	es: '0 = nada, 10 = totalmente',
	ca: '0 = gens, 10 = totalment',
	fr: '0 = pas du tout, 10 = complètement',
	it: '0 = per niente, 10 = completamente',
	pt: '0 = nada, 10 = totalmente',
	ro: '0 = deloc, 10 = complet',
	de: '0 = gar nicht, 10 = vollständig',
	ar: '0 = إطلاقًا، 10 = تمامًا'
};

export const SEVERITY = options('http://snomed.info/sct', [
	{
		code: '255604002',
		text: {
			en: 'Mild',
			es: 'Leve',
			ca: 'Lleu',
			fr: 'Légère',
			it: 'Lieve',
			pt: 'Ligeira',
			ro: 'Ușoară',
			de: 'Leicht',
			ar: 'خفيفة'
		}
	},
	{
		code: '6736007',
		text: {
			en: 'Moderate',
			es: 'Moderada',
			ca: 'Moderada',
			fr: 'Modérée',
			it: 'Moderata',
			pt: 'Moderada',
			ro: 'Moderată',
			de: 'Mittel',
			ar: 'متوسطة'
		}
	},
	{
		code: '24484000',
		text: {
			en: 'Severe',
			es: 'Grave',
			ca: 'Greu',
			fr: 'Sévère',
			it: 'Grave',
			pt: 'Grave',
			ro: 'Severă',
			de: 'Schwer',
			ar: 'شديدة'
		}
	}
]);

export const RELATIVES = options('relative', [
	{
		code: 'mother',
		text: {
			en: 'Mother',
			es: 'Madre',
			ca: 'Mare',
			fr: 'Mère',
			it: 'Madre',
			pt: 'Mãe',
			ro: 'Mamă',
			de: 'Mutter',
			ar: 'الأم'
		}
	},
	{
		code: 'father',
		text: {
			en: 'Father',
			es: 'Padre',
			ca: 'Pare',
			fr: 'Père',
			it: 'Padre',
			pt: 'Pai',
			ro: 'Tată',
			de: 'Vater',
			ar: 'الأب'
		}
	},
	{
		code: 'sibling',
		text: {
			en: 'Brother or sister',
			es: 'Hermano o hermana',
			ca: 'Germà o germana',
			fr: 'Frère ou sœur',
			it: 'Fratello o sorella',
			pt: 'Irmão ou irmã',
			ro: 'Frate sau soră',
			de: 'Bruder oder Schwester',
			ar: 'أخ أو أخت'
		}
	},
	{
		code: 'child',
		text: {
			en: 'Son or daughter',
			es: 'Hijo o hija',
			ca: 'Fill o filla',
			fr: 'Fils ou fille',
			it: 'Figlio o figlia',
			pt: 'Filho ou filha',
			ro: 'Fiu sau fiică',
			de: 'Sohn oder Tochter',
			ar: 'ابن أو ابنة'
		}
	},
	{
		code: 'grandparent',
		text: {
			en: 'Grandparent',
			es: 'Abuelo o abuela',
			ca: 'Avi o àvia',
			fr: 'Grand-parent',
			it: 'Nonno o nonna',
			pt: 'Avô ou avó',
			ro: 'Bunic sau bunică',
			de: 'Großelternteil',
			ar: 'الجد أو الجدة'
		}
	},
	{
		code: 'aunt-uncle',
		text: {
			en: 'Aunt or uncle',
			es: 'Tío o tía',
			ca: 'Oncle o tia',
			fr: 'Oncle ou tante',
			it: 'Zio o zia',
			pt: 'Tio ou tia',
			ro: 'Unchi sau mătușă',
			de: 'Onkel oder Tante',
			ar: 'العم أو العمة أو الخال أو الخالة'
		}
	},
	{
		code: 'cousin',
		text: {
			en: 'Cousin',
			es: 'Primo o prima',
			ca: 'Cosí o cosina',
			fr: 'Cousin ou cousine',
			it: 'Cugino o cugina',
			pt: 'Primo ou prima',
			ro: 'Văr sau verișoară',
			de: 'Cousin oder Cousine',
			ar: 'ابن أو ابنة العم أو الخال'
		}
	},
	{
		code: 'other',
		text: {
			en: 'Another relative',
			es: 'Otro familiar',
			ca: 'Un altre familiar',
			fr: 'Un autre membre de la famille',
			it: 'Un altro familiare',
			pt: 'Outro familiar',
			ro: 'Altă rudă',
			de: 'Andere verwandte Person',
			ar: 'قريب آخر'
		}
	}
]);

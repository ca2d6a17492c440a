/**
 * Daily life, version 2: v1 (same items, same linkIds) with every text in all 9 languages and
 * research-safe marks on its coded and numeric answers. A v1 draft migrates unchanged.
 */
import { help, item, questionnaire } from './author';

export default questionnaire({
	name: 'daily-life',
	version: '2',
	date: '2026-12-07',
	consentScope: 'symptoms',
	title: {
		en: 'Daily life',
		es: 'Vida diaria',
		ca: 'Vida diària',
		fr: 'Vie quotidienne',
		it: 'Vita quotidiana',
		pt: 'Vida diária',
		ro: 'Viața de zi cu zi',
		de: 'Alltag',
		ar: 'الحياة اليومية'
	},
	variables: [
		{ name: 'today', expression: 'today()' },
		{ name: 'sleep', expression: "%resource.item.where(linkId='sleep-hours').answer.value" }
	],
	items: [
		help('intro', {
			en: 'A short note about today. It takes a minute.',
			es: 'Una nota breve sobre hoy. Lleva un minuto.',
			ca: 'Una nota breu sobre avui. Porta un minut.',
			fr: 'Une courte note sur aujourd’hui. Cela prend une minute.',
			it: 'Una breve nota su oggi. Ci vuole un minuto.',
			pt: 'Uma nota breve sobre hoje. Demora um minuto.',
			ro: 'O notă scurtă despre ziua de azi. Durează un minut.',
			de: 'Eine kurze Notiz zu heute. Das dauert eine Minute.',
			ar: 'ملاحظة قصيرة عن اليوم. تستغرق دقيقة واحدة.'
		}),
		item(
			'report-date',
			'date',
			{
				en: 'Date of this report',
				es: 'Fecha de este registro',
				ca: 'Data d’aquest registre',
				fr: 'Date de ce relevé',
				it: 'Data di questa nota',
				pt: 'Data deste registo',
				ro: 'Data acestei note',
				de: 'Datum dieses Eintrags',
				ar: 'تاريخ هذا التقرير'
			},
			{ required: true, initialExpression: '%today', safe: true }
		),
		item(
			'sleep-hours',
			'decimal',
			{
				en: 'Hours of sleep last night',
				es: 'Horas de sueño anoche',
				ca: 'Hores de son aquesta nit',
				fr: 'Heures de sommeil la nuit dernière',
				it: 'Ore di sonno la notte scorsa',
				pt: 'Horas de sono na última noite',
				ro: 'Ore de somn azi-noapte',
				de: 'Stunden Schlaf letzte Nacht',
				ar: 'ساعات النوم الليلة الماضية'
			},
			{
				required: true,
				min: { valueDecimal: 0 },
				max: { valueDecimal: 24 },
				maxDecimals: 1,
				safe: true
			}
		),
		item(
			'sleep-enough',
			'boolean',
			{
				en: 'Enough sleep (7 hours or more)',
				es: 'Sueño suficiente (7 horas o más)',
				ca: 'Son suficient (7 hores o més)',
				fr: 'Sommeil suffisant (7 heures ou plus)',
				it: 'Sonno sufficiente (7 ore o più)',
				pt: 'Sono suficiente (7 horas ou mais)',
				ro: 'Somn suficient (7 ore sau mai mult)',
				de: 'Genug Schlaf (7 Stunden oder mehr)',
				ar: 'نوم كافٍ (7 ساعات أو أكثر)'
			},
			{ readOnly: true, calculated: '%sleep >= 7', safe: true }
		),
		item(
			'pain',
			'integer',
			{
				en: 'Pain today, from 0 (none) to 10 (worst)',
				es: 'Dolor hoy, de 0 (nada) a 10 (el peor)',
				ca: 'Dolor avui, de 0 (gens) a 10 (el pitjor)',
				fr: 'Douleur aujourd’hui, de 0 (aucune) à 10 (la pire)',
				it: 'Dolore oggi, da 0 (nessuno) a 10 (il peggiore)',
				pt: 'Dor hoje, de 0 (nenhuma) a 10 (a pior)',
				ro: 'Durerea azi, de la 0 (deloc) la 10 (cea mai rea)',
				de: 'Schmerzen heute, von 0 (keine) bis 10 (am stärksten)',
				ar: 'الألم اليوم، من 0 (لا ألم) إلى 10 (الأسوأ)'
			},
			{ control: 'slider', min: { valueInteger: 0 }, max: { valueInteger: 10 }, safe: true }
		),
		item(
			'pain-where',
			'string',
			{
				en: 'Where is the pain?',
				es: '¿Dónde está el dolor?',
				ca: 'On és el dolor?',
				fr: 'Où se situe la douleur ?',
				it: 'Dov’è il dolore?',
				pt: 'Onde é a dor?',
				ro: 'Unde este durerea?',
				de: 'Wo sind die Schmerzen?',
				ar: 'أين الألم؟'
			},
			{
				enableWhen: [{ question: 'pain', operator: '>', answerInteger: 0 }],
				maxLength: 200
			}
		),
		item(
			'school-missed',
			'boolean',
			{
				en: 'Missed school or work today',
				es: 'Hoy no se pudo ir al colegio o al trabajo',
				ca: 'Avui no s’ha pogut anar a l’escola o a la feina',
				fr: 'Absence à l’école ou au travail aujourd’hui',
				it: 'Oggi assenza da scuola o dal lavoro',
				pt: 'Faltou hoje à escola ou ao trabalho',
				ro: 'Absent azi de la școală sau de la muncă',
				de: 'Heute Schule oder Arbeit verpasst',
				ar: 'التغيب عن المدرسة أو العمل اليوم'
			},
			{
				enableWhenExpression: "%sleep < 5 or %resource.item.where(linkId='pain').answer.value > 3",
				safe: true
			}
		),
		item(
			'note',
			'text',
			{
				en: 'Anything else about today',
				es: 'Algo más sobre hoy',
				ca: 'Alguna cosa més sobre avui',
				fr: 'Autre chose sur la journée',
				it: 'Altro su oggi',
				pt: 'Mais alguma coisa sobre hoje',
				ro: 'Altceva despre ziua de azi',
				de: 'Sonstiges zu heute',
				ar: 'أي شيء آخر عن اليوم'
			},
			{ maxLength: 1000 }
		)
	]
});

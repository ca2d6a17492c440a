/**
 * Genetic test results, version 2 of `genotype`. New: the kind of test, the overall result,
 * per-variant inheritance as codes (v1's plain-text "Inherited from" answers are set aside when
 * a draft migrates), the variant's report date, and an HGVS check that accepts a transcript
 * prefix and protein notation (`NM_000000.0:c.123A>G`, `p.(Arg41Ter)`), not only `c.` changes.
 */
import { DATE_FORMAT } from './common';
import {
	group,
	help,
	item,
	options,
	questionnaire,
	same,
	when,
	YES_CODING_SYSTEM,
	YES_NO_DONT_KNOW,
	type T
} from './author';

/**
 * The basic shape of an HGVS variant, not its full grammar: an optional reference sequence
 * (`NM_000000.0:`, `NC_…`, `ENST…`), then a DNA/RNA change (`c.`, `g.`, `m.`, `n.`, `r.`
 * with a position and an edit) or a protein change (`p.`, three-letter amino acids, optionally
 * in brackets for a predicted consequence). The report's own spelling is kept as typed.
 */
export const HGVS_REGEX =
	'((N[CGMRTW]|X[MR]|L[R]G)_[0-9]+(\\.[0-9]+)?(\\([A-Za-z0-9-]+\\))?:|ENS[GT][0-9]+(\\.[0-9]+)?:)?' +
	'([cgmnr]\\.[-*]?[0-9]+([+-][0-9]+)?(_[-*]?[0-9]+([+-][0-9]+)?)?' +
	'([ACGTacgu]+>[ACGTacgu]+|del[ACGTacgu]*|dup[ACGTacgu]*|ins[ACGTacgu]+|delins[ACGTacgu]+|inv|=)' +
	'|p\\.\\(?([A-Z][a-z]{2}[0-9]+([A-Z][a-z]{2}|Ter|\\*|=|\\?|del|dup|([A-Z][a-z]{2})?fs(Ter[0-9]*|\\*[0-9]*)?|' +
	'delins([A-Z][a-z]{2})+|_[A-Z][a-z]{2}[0-9]+(del|dup|ins([A-Z][a-z]{2})+|delins([A-Z][a-z]{2})+))' +
	'|0|\\?)\\)?)';

const TESTED_YES = [when.is('tested', 'Y', YES_CODING_SYSTEM)];

const HGVS_HELP: T = {
	en: 'The variant is written like NM_000000.0:c.123A>G (a DNA change) or p.(Arg41Ter) (a protein change). Copy it with its dots and brackets.',
	es: 'La variante se escribe como NM_000000.0:c.123A>G (cambio en el ADN) o p.(Arg41Ter) (cambio en la proteína). Cópiala con sus puntos y paréntesis.',
	ca: 'La variant s’escriu com NM_000000.0:c.123A>G (canvi a l’ADN) o p.(Arg41Ter) (canvi a la proteïna). Copia-la amb els punts i parèntesis.',
	fr: 'Le variant s’écrit comme NM_000000.0:c.123A>G (changement dans l’ADN) ou p.(Arg41Ter) (changement dans la protéine). Recopiez-le avec ses points et parenthèses.',
	it: 'La variante si scrive come NM_000000.0:c.123A>G (cambiamento nel DNA) o p.(Arg41Ter) (cambiamento nella proteina). Copiala con punti e parentesi.',
	pt: 'A variante escreve-se como NM_000000.0:c.123A>G (alteração no ADN) ou p.(Arg41Ter) (alteração na proteína). Copie-a com os pontos e parênteses.',
	ro: 'Varianta se scrie ca NM_000000.0:c.123A>G (o modificare în ADN) sau p.(Arg41Ter) (o modificare în proteină). Copiaz-o cu punctele și parantezele ei.',
	de: 'Die Variante wird geschrieben wie NM_000000.0:c.123A>G (Änderung in der DNA) oder p.(Arg41Ter) (Änderung im Protein). Übernehmen Sie sie mit Punkten und Klammern.',
	ar: 'يُكتب المتغير مثل NM_000000.0:c.123A>G (تغيّر في الحمض النووي) أو p.(Arg41Ter) (تغيّر في البروتين). انسخه كما هو بنقاطه وأقواسه.'
};

export default questionnaire({
	name: 'genotype',
	version: '2',
	date: '2026-12-07',
	consentScope: 'genetics',
	title: {
		en: 'Genetics',
		es: 'Genética',
		ca: 'Genètica',
		fr: 'Génétique',
		it: 'Genetica',
		pt: 'Genética',
		ro: 'Genetică',
		de: 'Genetik',
		ar: 'الوراثة'
	},
	items: [
		help('intro', {
			en: 'Copy the details from the genetic report exactly as they are written. If something is not in the report, leave it empty.',
			es: 'Copia los datos del informe genético tal como aparecen. Si algo no figura en el informe, déjalo en blanco.',
			ca: 'Copia les dades de l’informe genètic tal com hi apareixen. Si alguna cosa no hi consta, deixa-la en blanc.',
			fr: 'Recopiez les informations du compte rendu génétique telles qu’elles sont écrites. Si une information n’y figure pas, laissez-la vide.',
			it: 'Copia i dati dal referto genetico esattamente come sono scritti. Se qualcosa non c’è nel referto, lascialo vuoto.',
			pt: 'Copie os dados do relatório genético tal como estão escritos. Se algo não constar do relatório, deixe em branco.',
			ro: 'Copiază datele din raportul genetic exact cum sunt scrise. Dacă ceva nu apare în raport, lasă câmpul gol.',
			de: 'Übernehmen Sie die Angaben genau so, wie sie im genetischen Befund stehen. Was nicht im Befund steht, lassen Sie leer.',
			ar: 'انسخ البيانات من التقرير الجيني كما هي مكتوبة تمامًا. وإن لم يرد شيء في التقرير فاتركه فارغًا.'
		}),
		item(
			'tested',
			'choice',
			{
				en: 'Has a genetic test been done?',
				es: '¿Se ha hecho algún estudio genético?',
				ca: 'S’ha fet algun estudi genètic?',
				fr: 'Un test génétique a-t-il été fait ?',
				it: 'È stato fatto un test genetico?',
				pt: 'Já foi feito algum teste genético?',
				ro: 'S-a făcut un test genetic?',
				de: 'Wurde ein Gentest gemacht?',
				ar: 'هل أُجري فحص جيني؟'
			},
			{ required: true, valueSet: YES_NO_DONT_KNOW, control: 'radio-button', safe: true }
		),
		item(
			'test-type',
			'choice',
			{
				en: 'Kind of test',
				es: 'Tipo de estudio',
				ca: 'Tipus d’estudi',
				fr: 'Type de test',
				it: 'Tipo di test',
				pt: 'Tipo de teste',
				ro: 'Tipul testului',
				de: 'Art des Tests',
				ar: 'نوع الفحص'
			},
			{
				enableWhen: TESTED_YES,
				control: 'radio-button',
				safe: true,
				options: options('genetic-test-type', [
					{
						code: 'single-gene',
						text: {
							en: 'One gene',
							es: 'Un solo gen',
							ca: 'Un sol gen',
							fr: 'Un seul gène',
							it: 'Un solo gene',
							pt: 'Um único gene',
							ro: 'O singură genă',
							de: 'Ein einzelnes Gen',
							ar: 'جين واحد'
						}
					},
					{
						code: 'panel',
						text: {
							en: 'Gene panel',
							es: 'Panel de genes',
							ca: 'Panell de gens',
							fr: 'Panel de gènes',
							it: 'Pannello di geni',
							pt: 'Painel de genes',
							ro: 'Panel de gene',
							de: 'Genpanel',
							ar: 'لوحة جينات'
						}
					},
					{
						code: 'exome',
						text: {
							en: 'Exome',
							es: 'Exoma',
							ca: 'Exoma',
							fr: 'Exome',
							it: 'Esoma',
							pt: 'Exoma',
							ro: 'Exom',
							de: 'Exom',
							ar: 'الإكسوم'
						}
					},
					{
						code: 'genome',
						text: {
							en: 'Whole genome',
							es: 'Genoma completo',
							ca: 'Genoma complet',
							fr: 'Génome entier',
							it: 'Genoma completo',
							pt: 'Genoma completo',
							ro: 'Genom complet',
							de: 'Gesamtgenom',
							ar: 'الجينوم الكامل'
						}
					},
					{
						code: 'microarray',
						text: {
							en: 'Chromosome microarray (array CGH)',
							es: 'Array de cromosomas (array-CGH)',
							ca: 'Array de cromosomes (array-CGH)',
							fr: 'Puce à ADN chromosomique (CGH-array)',
							it: 'Array cromosomico (array-CGH)',
							pt: 'Array cromossómico (array-CGH)',
							ro: 'Microarray cromozomial (array-CGH)',
							de: 'Chromosomen-Microarray (Array-CGH)',
							ar: 'مصفوفة الكروموسومات (array-CGH)'
						}
					},
					{
						code: 'karyotype',
						text: {
							en: 'Karyotype',
							es: 'Cariotipo',
							ca: 'Cariotip',
							fr: 'Caryotype',
							it: 'Cariotipo',
							pt: 'Cariótipo',
							ro: 'Cariotip',
							de: 'Karyotyp',
							ar: 'النمط النووي'
						}
					},
					{
						code: 'familial',
						text: {
							en: 'Test for a variant already known in the family',
							es: 'Estudio de una variante ya conocida en la familia',
							ca: 'Estudi d’una variant ja coneguda a la família',
							fr: 'Recherche d’un variant déjà connu dans la famille',
							it: 'Ricerca di una variante già nota in famiglia',
							pt: 'Pesquisa de uma variante já conhecida na família',
							ro: 'Testarea unei variante deja cunoscute în familie',
							de: 'Test auf eine in der Familie bekannte Variante',
							ar: 'فحص متغير معروف مسبقًا في العائلة'
						}
					},
					{
						code: 'other',
						text: {
							en: 'Other or not sure',
							es: 'Otro o no lo sé',
							ca: 'Un altre o no ho sé',
							fr: 'Autre ou je ne sais pas',
							it: 'Altro o non so',
							pt: 'Outro ou não sei',
							ro: 'Altul sau nu știu',
							de: 'Anderer oder unsicher',
							ar: 'آخر أو لست متأكدًا'
						}
					}
				])
			}
		),
		item(
			'test-date',
			'date',
			{
				en: 'Date of the report',
				es: 'Fecha del informe',
				ca: 'Data de l’informe',
				fr: 'Date du compte rendu',
				it: 'Data del referto',
				pt: 'Data do relatório',
				ro: 'Data raportului',
				de: 'Datum des Befunds',
				ar: 'تاريخ التقرير'
			},
			{ enableWhen: TESTED_YES, format: DATE_FORMAT, safe: true }
		),
		item(
			'result',
			'choice',
			{
				en: 'What did the report conclude?',
				es: '¿Qué concluye el informe?',
				ca: 'Què conclou l’informe?',
				fr: 'Quelle est la conclusion du compte rendu ?',
				it: 'Che cosa conclude il referto?',
				pt: 'O que conclui o relatório?',
				ro: 'Ce concluzie are raportul?',
				de: 'Was ist das Ergebnis des Befunds?',
				ar: 'ما الذي خلص إليه التقرير؟'
			},
			{
				enableWhen: TESTED_YES,
				control: 'radio-button',
				safe: true,
				options: options('genetic-result', [
					{
						code: 'cause-found',
						text: {
							en: 'A cause was found',
							es: 'Se encontró la causa',
							ca: 'Se’n va trobar la causa',
							fr: 'Une cause a été trouvée',
							it: 'È stata trovata una causa',
							pt: 'Foi encontrada uma causa',
							ro: 'S-a găsit o cauză',
							de: 'Eine Ursache wurde gefunden',
							ar: 'تم العثور على سبب'
						}
					},
					{
						code: 'uncertain',
						text: {
							en: 'A variant of uncertain meaning was found',
							es: 'Se encontró una variante de significado incierto',
							ca: 'Es va trobar una variant de significat incert',
							fr: 'Un variant de signification incertaine a été trouvé',
							it: 'È stata trovata una variante di significato incerto',
							pt: 'Foi encontrada uma variante de significado incerto',
							ro: 'S-a găsit o variantă cu semnificație incertă',
							de: 'Eine Variante unklarer Bedeutung wurde gefunden',
							ar: 'تم العثور على متغير غير مؤكد الدلالة'
						}
					},
					{
						code: 'nothing-found',
						text: {
							en: 'Nothing was found',
							es: 'No se encontró nada',
							ca: 'No es va trobar res',
							fr: 'Rien n’a été trouvé',
							it: 'Non è stato trovato nulla',
							pt: 'Não foi encontrado nada',
							ro: 'Nu s-a găsit nimic',
							de: 'Es wurde nichts gefunden',
							ar: 'لم يُعثر على شيء'
						}
					},
					{
						code: 'waiting',
						text: {
							en: 'Still waiting for the result',
							es: 'Aún esperamos el resultado',
							ca: 'Encara esperem el resultat',
							fr: 'Résultat encore attendu',
							it: 'Risultato ancora in attesa',
							pt: 'Ainda à espera do resultado',
							ro: 'Încă așteptăm rezultatul',
							de: 'Ergebnis steht noch aus',
							ar: 'ما زلنا ننتظر النتيجة'
						}
					}
				])
			}
		),
		group(
			'variant',
			{
				en: 'Variants found',
				es: 'Variantes encontradas',
				ca: 'Variants trobades',
				fr: 'Variants trouvés',
				it: 'Varianti trovate',
				pt: 'Variantes encontradas',
				ro: 'Variante găsite',
				de: 'Gefundene Varianten',
				ar: 'المتغيرات التي عُثر عليها'
			},
			[
				help('variant.help', HGVS_HELP),
				item(
					'variant.gene',
					'string',
					{
						en: 'Gene (symbol as in the report)',
						es: 'Gen (símbolo tal como aparece en el informe)',
						ca: 'Gen (símbol tal com apareix a l’informe)',
						fr: 'Gène (symbole tel qu’écrit dans le compte rendu)',
						it: 'Gene (simbolo come nel referto)',
						pt: 'Gene (símbolo como no relatório)',
						ro: 'Gena (simbolul din raport)',
						de: 'Gen (Symbol wie im Befund)',
						ar: 'الجين (الرمز كما في التقرير)'
					},
					{
						required: true,
						regex: '[A-Z][A-Z0-9-]{0,15}',
						format: same('SCN1A'),
						safe: true
					}
				),
				item(
					'variant.hgvs',
					'string',
					{
						en: 'Variant (HGVS, as in the report)',
						es: 'Variante (HGVS, tal como aparece en el informe)',
						ca: 'Variant (HGVS, tal com apareix a l’informe)',
						fr: 'Variant (HGVS, tel qu’écrit dans le compte rendu)',
						it: 'Variante (HGVS, come nel referto)',
						pt: 'Variante (HGVS, como no relatório)',
						ro: 'Varianta (HGVS, ca în raport)',
						de: 'Variante (HGVS, wie im Befund)',
						ar: 'المتغير (بصيغة HGVS كما في التقرير)'
					},
					{ required: true, regex: HGVS_REGEX, format: same('NM_000000.0:c.123A>G'), safe: true }
				),
				item(
					'variant.zygosity',
					'choice',
					{
						en: 'Zygosity',
						es: 'Cigosidad',
						ca: 'Zigositat',
						fr: 'Zygotie',
						it: 'Zigosità',
						pt: 'Zigotia',
						ro: 'Zigozitate',
						de: 'Zygotie',
						ar: 'الزيجوتية'
					},
					{
						control: 'drop-down',
						safe: true,
						options: options('http://loinc.org', [
							{
								code: 'LA6706-1',
								text: {
									en: 'Heterozygous (one copy)',
									es: 'Heterocigoto (una copia)',
									ca: 'Heterozigot (una còpia)',
									fr: 'Hétérozygote (une copie)',
									it: 'Eterozigote (una copia)',
									pt: 'Heterozigótico (uma cópia)',
									ro: 'Heterozigot (o copie)',
									de: 'Heterozygot (eine Kopie)',
									ar: 'متغاير الزيجوت (نسخة واحدة)'
								}
							},
							{
								code: 'LA6705-3',
								text: {
									en: 'Homozygous (both copies)',
									es: 'Homocigoto (las dos copias)',
									ca: 'Homozigot (les dues còpies)',
									fr: 'Homozygote (les deux copies)',
									it: 'Omozigote (entrambe le copie)',
									pt: 'Homozigótico (as duas cópias)',
									ro: 'Homozigot (ambele copii)',
									de: 'Homozygot (beide Kopien)',
									ar: 'متماثل الزيجوت (النسختان)'
								}
							},
							{
								code: 'LA6707-9',
								text: {
									en: 'Hemizygous',
									es: 'Hemicigoto',
									ca: 'Hemizigot',
									fr: 'Hémizygote',
									it: 'Emizigote',
									pt: 'Hemizigótico',
									ro: 'Hemizigot',
									de: 'Hemizygot',
									ar: 'نصفي الزيجوت'
								}
							},
							{
								code: 'LA26217-9',
								text: {
									en: 'Compound heterozygous',
									es: 'Heterocigoto compuesto',
									ca: 'Heterozigot compost',
									fr: 'Hétérozygote composite',
									it: 'Eterozigote composto',
									pt: 'Heterozigótico composto',
									ro: 'Heterozigot compus',
									de: 'Compound-heterozygot',
									ar: 'متغاير الزيجوت المركّب'
								}
							}
						])
					}
				),
				item(
					'variant.inheritance',
					'choice',
					{
						en: 'Where did it come from?',
						es: '¿De dónde viene?',
						ca: 'D’on ve?',
						fr: 'D’où vient-il ?',
						it: 'Da dove viene?',
						pt: 'De onde vem?',
						ro: 'De unde provine?',
						de: 'Woher stammt sie?',
						ar: 'من أين جاء؟'
					},
					{
						control: 'radio-button',
						safe: true,
						options: options('variant-origin', [
							{
								code: 'maternal',
								text: {
									en: 'From the mother',
									es: 'De la madre',
									ca: 'De la mare',
									fr: 'De la mère',
									it: 'Dalla madre',
									pt: 'Da mãe',
									ro: 'De la mamă',
									de: 'Von der Mutter',
									ar: 'من الأم'
								}
							},
							{
								code: 'paternal',
								text: {
									en: 'From the father',
									es: 'Del padre',
									ca: 'Del pare',
									fr: 'Du père',
									it: 'Dal padre',
									pt: 'Do pai',
									ro: 'De la tată',
									de: 'Vom Vater',
									ar: 'من الأب'
								}
							},
							{
								code: 'de-novo',
								text: {
									en: 'New in this person (de novo)',
									es: 'Nueva en esta persona (de novo)',
									ca: 'Nova en aquesta persona (de novo)',
									fr: 'Apparu chez cette personne (de novo)',
									it: 'Nuova in questa persona (de novo)',
									pt: 'Nova nesta pessoa (de novo)',
									ro: 'Nouă la această persoană (de novo)',
									de: 'Neu bei dieser Person (de novo)',
									ar: 'جديد لدى هذا الشخص (de novo)'
								}
							},
							{
								code: 'unknown',
								text: {
									en: 'Not known',
									es: 'No se sabe',
									ca: 'No se sap',
									fr: 'Inconnu',
									it: 'Non si sa',
									pt: 'Não se sabe',
									ro: 'Nu se știe',
									de: 'Nicht bekannt',
									ar: 'غير معروف'
								}
							}
						])
					}
				),
				item(
					'variant.classification',
					'choice',
					{
						en: 'Classification in the report',
						es: 'Clasificación en el informe',
						ca: 'Classificació a l’informe',
						fr: 'Classification dans le compte rendu',
						it: 'Classificazione nel referto',
						pt: 'Classificação no relatório',
						ro: 'Clasificarea din raport',
						de: 'Einstufung im Befund',
						ar: 'التصنيف في التقرير'
					},
					{
						control: 'radio-button',
						safe: true,
						options: options('http://loinc.org', [
							{
								code: 'LA6668-3',
								text: {
									en: 'Pathogenic',
									es: 'Patogénica',
									ca: 'Patogènica',
									fr: 'Pathogène',
									it: 'Patogenetica',
									pt: 'Patogénica',
									ro: 'Patogenă',
									de: 'Pathogen',
									ar: 'مُمرِض'
								}
							},
							{
								code: 'LA26332-9',
								text: {
									en: 'Likely pathogenic',
									es: 'Probablemente patogénica',
									ca: 'Probablement patogènica',
									fr: 'Probablement pathogène',
									it: 'Probabilmente patogenetica',
									pt: 'Provavelmente patogénica',
									ro: 'Probabil patogenă',
									de: 'Wahrscheinlich pathogen',
									ar: 'مُمرِض على الأرجح'
								}
							},
							{
								code: 'LA26333-7',
								text: {
									en: 'Uncertain significance',
									es: 'Significado incierto',
									ca: 'Significat incert',
									fr: 'Signification incertaine',
									it: 'Significato incerto',
									pt: 'Significado incerto',
									ro: 'Semnificație incertă',
									de: 'Unklare Bedeutung',
									ar: 'غير مؤكد الدلالة'
								}
							},
							{
								code: 'LA26334-5',
								text: {
									en: 'Likely benign',
									es: 'Probablemente benigna',
									ca: 'Probablement benigna',
									fr: 'Probablement bénin',
									it: 'Probabilmente benigna',
									pt: 'Provavelmente benigna',
									ro: 'Probabil benignă',
									de: 'Wahrscheinlich gutartig',
									ar: 'حميد على الأرجح'
								}
							},
							{
								code: 'LA6675-8',
								text: {
									en: 'Benign',
									es: 'Benigna',
									ca: 'Benigna',
									fr: 'Bénin',
									it: 'Benigna',
									pt: 'Benigna',
									ro: 'Benignă',
									de: 'Gutartig',
									ar: 'حميد'
								}
							}
						])
					}
				),
				item(
					'variant.date',
					'date',
					{
						en: 'Date this variant was reported',
						es: 'Fecha en que se informó de esta variante',
						ca: 'Data en què es va informar d’aquesta variant',
						fr: 'Date à laquelle ce variant a été rapporté',
						it: 'Data in cui è stata refertata questa variante',
						pt: 'Data em que esta variante foi comunicada',
						ro: 'Data la care a fost raportată această variantă',
						de: 'Datum, an dem diese Variante berichtet wurde',
						ar: 'تاريخ الإبلاغ عن هذا المتغير'
					},
					{ format: DATE_FORMAT, safe: true }
				)
			],
			{ repeats: true, enableWhen: TESTED_YES }
		),
		item(
			'relatives-tested',
			'choice',
			{
				en: 'Have other family members been tested?',
				es: '¿Se han hecho el estudio otros familiares?',
				ca: 'S’han fet l’estudi altres familiars?',
				fr: 'D’autres membres de la famille ont-ils été testés ?',
				it: 'Altri familiari hanno fatto il test?',
				pt: 'Outros familiares fizeram o teste?',
				ro: 'Au fost testați și alți membri ai familiei?',
				de: 'Wurden weitere Familienmitglieder getestet?',
				ar: 'هل خضع أفراد آخرون من العائلة للفحص؟'
			},
			{
				enableWhen: TESTED_YES,
				valueSet: YES_NO_DONT_KNOW,
				control: 'radio-button',
				safe: true
			}
		),
		item(
			'report-url',
			'url',
			{
				en: 'Link to the laboratory report, if it is online',
				es: 'Enlace al informe del laboratorio, si está en internet',
				ca: 'Enllaç a l’informe del laboratori, si és a internet',
				fr: 'Lien vers le compte rendu du laboratoire, s’il est en ligne',
				it: 'Link al referto del laboratorio, se è online',
				pt: 'Ligação para o relatório do laboratório, se estiver online',
				ro: 'Linkul către raportul laboratorului, dacă este online',
				de: 'Link zum Laborbefund, falls er online ist',
				ar: 'رابط تقرير المختبر إن كان متاحًا على الإنترنت'
			},
			{ enableWhen: TESTED_YES }
		)
	]
});

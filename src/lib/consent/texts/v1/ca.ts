import type { ConsentText } from '../../types';

const text: ConsentText = {
	title: 'Donar les teves dades a la recerca',
	intro: [
		'Pots triar compartir algunes de les teves respostes amb investigadors de malalties minoritàries. És voluntari: dir que no no canvia res en l’ús de l’aplicació.',
		'El que es comparteix mai no porta el teu nom, usuari, correu ni data de naixement exacta. Els investigadors veuen un codi en lloc de tu, la teva edat en anys i el teu país.',
		'Tries cada tipus de dada per separat i pots canviar d’opinió o retirar-te quan vulguis, fins i tot sense connexió.'
	],
	scopes: {
		'about-me': {
			title: 'Sobre la persona',
			explanation: 'Edat en anys, sexe i país, per comparar grups de persones.'
		},
		'natural-history': {
			title: 'Com ha evolucionat la malaltia',
			explanation:
				'Quan van aparèixer els primers signes, quan i on va arribar el diagnòstic, especialistes consultats i ingressos.'
		},
		genetics: {
			title: 'Resultats genètics',
			explanation:
				'Els gens i variants de les teves proves, per trobar persones amb la mateixa causa.'
		},
		symptoms: {
			title: 'Símptomes',
			explanation:
				'Els símptomes que anotes, codificats amb un vocabulari mèdic comú, amb l’inici i la intensitat.'
		},
		'quality-of-life': {
			title: 'Qualitat de vida',
			explanation:
				'Com van el dia a dia, el dolor, el cansament, el son, l’ànim, els estudis o la feina.'
		},
		medication: {
			title: 'Medicaments i teràpies',
			explanation:
				'Medicaments amb les dosis, teràpies, dispositius i assajos clínics en què participes.'
		},
		'contact-for-studies': {
			title: 'Avisos d’estudis',
			explanation:
				'Els investigadors et poden preguntar, a través de l’aplicació, si vols saber d’un estudi adequat. Mai no reben les teves dades de contacte.'
		}
	},
	questions: [
		{
			question: 'Els investigadors veuran el teu nom?',
			options: ['Sí', 'No, veuen un codi en lloc seu'],
			correct: 1,
			explanation: 'Mai no es comparteixen noms, usuaris, correus ni dates de naixement exactes.'
		},
		{
			question: 'Pots canviar d’opinió més endavant?',
			options: ['Sí, quan vulgui', 'No, la decisió és definitiva'],
			correct: 0,
			explanation: 'Pots canviar les teves opcions o retirar-te quan vulguis.'
		},
		{
			question: 'Si et retires i tries «esborrar», què passa amb el que s’ha compartit?',
			options: ['Es queda amb els investigadors', 'S’elimina de la base de dades de recerca'],
			correct: 1,
			explanation: '«Esborrar» elimina el que s’ha compartit; «aturar» només atura el que és nou.'
		}
	],
	withdraw: {
		stop: 'Aturar: a partir d’ara no es comparteix res de nou. El que ja s’ha compartit es queda a la recerca.',
		erase:
			'Esborrar: no es comparteix res de nou i tot el que s’ha compartit fins ara s’elimina de la recerca.'
	},
	declarationSelf:
		'He llegit aquesta explicació i accepto compartir els tipus de dades que he triat, tal com es descriu.',
	declarationRepresentative:
		'Soc el representant legal de la persona que cuido. He llegit aquesta explicació i accepto, en nom seu, compartir els tipus de dades que he triat, tal com es descriu.'
};

export default text;

import type { ConsentText } from '../../types';

const text: ConsentText = {
	title: 'Donner vos données à la recherche',
	intro: [
		'Vous pouvez choisir de partager certaines de vos réponses avec des chercheurs sur les maladies rares. C’est volontaire : refuser ne change rien à votre utilisation de l’application.',
		'Ce qui est partagé ne porte jamais votre nom, votre identifiant, votre e-mail ni votre date de naissance exacte. Les chercheurs voient un code à votre place, votre âge en années et votre pays.',
		'Vous choisissez chaque type de données séparément, et vous pouvez changer d’avis ou vous retirer à tout moment, même hors ligne.'
	],
	scopes: {
		'about-me': {
			title: 'La personne',
			explanation: 'Âge en années, sexe et pays, pour comparer des groupes de personnes.'
		},
		'natural-history': {
			title: 'L’évolution de la maladie',
			explanation:
				'Quand les premiers signes sont apparus, quand et où le diagnostic a été posé, les spécialistes consultés et les hospitalisations.'
		},
		genetics: {
			title: 'Résultats génétiques',
			explanation:
				'Les gènes et variants de vos analyses, pour trouver des personnes ayant la même cause.'
		},
		symptoms: {
			title: 'Symptômes',
			explanation:
				'Les symptômes que vous indiquez, codés avec un vocabulaire médical commun, avec leur début et leur intensité.'
		},
		'quality-of-life': {
			title: 'Qualité de vie',
			explanation:
				'Comment vont le quotidien, la douleur, la fatigue, le sommeil, le moral, l’école ou le travail.'
		},
		medication: {
			title: 'Médicaments et thérapies',
			explanation:
				'Médicaments et doses, thérapies, appareils et essais cliniques auxquels vous participez.'
		},
		'contact-for-studies': {
			title: 'Être informé d’études',
			explanation:
				'Des chercheurs peuvent vous demander, via l’application, si une étude adaptée vous intéresse. Ils ne reçoivent jamais vos coordonnées.'
		}
	},
	questions: [
		{
			question: 'Les chercheurs verront-ils votre nom ?',
			options: ['Oui', 'Non, ils voient un code à la place'],
			correct: 1,
			explanation:
				'Les noms, identifiants, e-mails et dates de naissance exactes ne sont jamais partagés.'
		},
		{
			question: 'Pouvez-vous changer d’avis plus tard ?',
			options: ['Oui, à tout moment', 'Non, le choix est définitif'],
			correct: 0,
			explanation: 'Vous pouvez modifier vos choix ou vous retirer quand vous le souhaitez.'
		},
		{
			question:
				'Si vous vous retirez en choisissant « effacer », que devient ce qui a été partagé ?',
			options: ['Les chercheurs le gardent', 'Il est supprimé de la base de recherche'],
			correct: 1,
			explanation:
				'« Effacer » supprime ce qui a été partagé ; « arrêter » arrête seulement les nouveaux partages.'
		}
	],
	withdraw: {
		stop: 'Arrêter : plus rien de nouveau n’est partagé. Ce qui a déjà été partagé reste dans la recherche.',
		erase:
			'Effacer : plus rien de nouveau n’est partagé et tout ce qui l’a été est supprimé de la recherche.'
	},
	declarationSelf:
		'J’ai lu cette explication et j’accepte de partager les types de données que j’ai choisis, comme décrit.',
	declarationRepresentative:
		'Je suis le représentant légal de la personne dont je m’occupe. J’ai lu cette explication et j’accepte, en son nom, de partager les types de données que j’ai choisis, comme décrit.'
};

export default text;

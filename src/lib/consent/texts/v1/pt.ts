import type { ConsentText } from '../../types';

const text: ConsentText = {
	title: 'Doar os seus dados à investigação',
	intro: [
		'Pode escolher partilhar algumas das suas respostas com investigadores de doenças raras. É voluntário: dizer que não em nada muda a forma como usa a aplicação.',
		'O que é partilhado nunca inclui o seu nome, nome de utilizador, e-mail ou data de nascimento exata. Os investigadores veem um código em vez de si, a sua idade em anos e o seu país.',
		'Escolhe cada tipo de dados em separado e pode mudar de ideias ou retirar-se a qualquer momento, mesmo sem ligação.'
	],
	scopes: {
		'about-me': {
			title: 'Sobre a pessoa',
			explanation: 'Idade em anos, sexo e país, para comparar grupos de pessoas.'
		},
		'natural-history': {
			title: 'Como a doença evoluiu',
			explanation:
				'Quando surgiram os primeiros sinais, quando e onde chegou o diagnóstico, especialistas consultados e internamentos.'
		},
		genetics: {
			title: 'Resultados genéticos',
			explanation: 'Os genes e variantes dos seus testes, para encontrar pessoas com a mesma causa.'
		},
		symptoms: {
			title: 'Sintomas',
			explanation:
				'Os sintomas que indica, codificados com um vocabulário médico comum, com o início e a intensidade.'
		},
		'quality-of-life': {
			title: 'Qualidade de vida',
			explanation:
				'Como correm o dia a dia, a dor, o cansaço, o sono, o humor, a escola ou o trabalho.'
		},
		medication: {
			title: 'Medicamentos e terapias',
			explanation:
				'Medicamentos com as doses, terapias, dispositivos e ensaios clínicos em que participa.'
		},
		'contact-for-studies': {
			title: 'Ser informado de estudos',
			explanation:
				'Os investigadores podem perguntar-lhe, através da aplicação, se quer saber de um estudo adequado. Nunca recebem os seus contactos.'
		}
	},
	questions: [
		{
			question: 'Os investigadores vão ver o seu nome?',
			options: ['Sim', 'Não, veem um código em vez dele'],
			correct: 1,
			explanation:
				'Nomes, nomes de utilizador, e-mails e datas de nascimento exatas nunca são partilhados.'
		},
		{
			question: 'Pode mudar de ideias mais tarde?',
			options: ['Sim, a qualquer momento', 'Não, a escolha é definitiva'],
			correct: 0,
			explanation: 'Pode alterar as suas escolhas ou retirar-se quando quiser.'
		},
		{
			question: 'Se se retirar e escolher «apagar», o que acontece ao que foi partilhado?',
			options: ['Fica com os investigadores', 'É removido da base de dados de investigação'],
			correct: 1,
			explanation: '«Apagar» remove o que foi partilhado; «parar» só impede novas partilhas.'
		}
	],
	withdraw: {
		stop: 'Parar: a partir de agora nada de novo é partilhado. O que já foi partilhado fica na investigação.',
		erase:
			'Apagar: nada de novo é partilhado e tudo o que foi partilhado até agora é removido da investigação.'
	},
	declarationSelf:
		'Li esta explicação e aceito partilhar os tipos de dados que escolhi, tal como descrito.',
	declarationRepresentative:
		'Sou o representante legal da pessoa de quem cuido. Li esta explicação e aceito, em seu nome, partilhar os tipos de dados que escolhi, tal como descrito.'
};

export default text;

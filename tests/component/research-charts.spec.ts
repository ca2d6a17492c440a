import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import BarChart from '../../src/lib/components/research/BarChart.svelte';
import TimelineChart from '../../src/lib/components/research/TimelineChart.svelte';
import type { CohortCell, TimelineCell } from '../../src/lib/schemas/research-area';

/**
 * The research charts as a person meets them: bars largest first with "< 5" never drawn as a
 * length, the same numbers in a real table (always there for screen readers, on screen when
 * chosen with the keyboard), and a month timeline with its table.
 */
const countries: CohortCell[] = [
	{ key: 'FR', subjects: 12, responses: 30 },
	{ key: 'IS', subjects: '<5', responses: '<5' },
	{ key: 'ES', subjects: 40, responses: 95 },
	{ key: 'unknown', subjects: 6, responses: 6 }
];

describe('BarChart', () => {
	it('draws bars largest first, "< 5" as a stub, and a table behind the chart', async () => {
		const { container } = render(BarChart, {
			title: 'By country',
			dimension: 'country',
			cells: countries,
			measure: 'subjects'
		});
		const rows = [...container.querySelectorAll('.bars li')];
		expect(rows.map((row) => row.querySelector('.label')?.textContent)).toEqual([
			'Spain',
			'France',
			'Not given',
			'Iceland'
		]);
		// The largest fills the track; a suppressed one has a stub and no bar.
		expect(rows[0]!.querySelector('rect.bar')?.getAttribute('width')).toBe('100');
		expect(rows[1]!.querySelector('rect.bar')?.getAttribute('width')).toBe('30');
		expect(rows[3]!.querySelector('rect.bar')).toBeNull();
		expect(rows[3]!.querySelector('rect.stub')).not.toBeNull();
		expect(rows[3]!.textContent).toContain('< 5');
		// The picture is hidden from screen readers; its table is read.
		expect(container.querySelector('.bars')?.closest('[aria-hidden="true"]')).not.toBeNull();
		const table = screen.getByRole('table', { name: 'By country' });
		const iceland = within(table).getByRole('row', { name: /Iceland/ });
		expect(within(iceland).getAllByText('fewer than 5')).toHaveLength(2);
		expect(within(table).getByRole('row', { name: /Spain/ }).textContent).toContain('95');
	});

	it('switches to the table with the keyboard, and back', async () => {
		const user = userEvent.setup();
		const { container } = render(BarChart, {
			title: 'By country',
			dimension: 'country',
			cells: countries,
			measure: 'responses'
		});
		const tableButton = screen.getByRole('button', { name: 'Table' });
		expect(tableButton.getAttribute('aria-pressed')).toBe('false');
		tableButton.focus();
		await user.keyboard('{Enter}');
		expect(tableButton.getAttribute('aria-pressed')).toBe('true');
		expect(container.querySelector('.bars')).toBeNull();
		expect(screen.getByRole('table').closest('.visually-hidden')).toBeNull();
		await user.click(screen.getByRole('button', { name: 'Chart' }));
		expect(container.querySelector('.bars')).not.toBeNull();
	});

	it('shows the first eight bars, and all on request', async () => {
		const user = userEvent.setup();
		const many: CohortCell[] = Array.from({ length: 11 }, (_, index) => ({
			key: `HP:000${String(1000 + index)}`,
			label: `Symptom ${index}`,
			subjects: 5 + index,
			responses: 5 + index
		}));
		const { container } = render(BarChart, {
			title: 'By symptom',
			dimension: 'symptom',
			cells: many,
			measure: 'subjects'
		});
		expect(container.querySelectorAll('.bars li')).toHaveLength(8);
		expect(container.querySelector('.bars li .label')?.textContent).toBe('Symptom 10 (HP:0001010)');
		await user.click(screen.getByRole('button', { name: 'Show all 11' }));
		expect(container.querySelectorAll('.bars li')).toHaveLength(11);
	});
});

describe('TimelineChart', () => {
	const months: TimelineCell[] = [
		{ month: '2026-01', subjects: 10, responses: 20 },
		{ month: '2026-02', subjects: '<5', responses: '<5' },
		{ month: '2026-03', subjects: 20, responses: 41 }
	];

	it('draws a column per month ("< 5" hatched, no height) with a month table', () => {
		const { container } = render(TimelineChart, {
			title: 'Over time',
			cells: months,
			measure: 'subjects'
		});
		const svg = container.querySelector('[data-testid="timeline-chart"]')!;
		expect(svg.querySelectorAll('rect.bar')).toHaveLength(2);
		expect(svg.querySelectorAll('rect.stub')).toHaveLength(1);
		// Time runs left to right in English.
		const [january, march] = [...svg.querySelectorAll('rect.bar')].map((rect) =>
			Number(rect.getAttribute('x'))
		);
		expect(january!).toBeLessThan(march!);
		const table = screen.getByRole('table', { name: 'Over time' });
		expect(within(table).getByRole('row', { name: /February 2026/ }).textContent).toContain(
			'fewer than 5'
		);
		expect(within(table).getByRole('row', { name: /March 2026/ }).textContent).toContain('41');
	});
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { ApiRequestError, NetworkError } from '../../src/lib/api/client';
import ExportPanel from '../../src/lib/components/research/ExportPanel.svelte';
import type {
	ExportManifest,
	ExportRequestInput,
	ExportStatus
} from '../../src/lib/schemas/research-area';
import { ResearchAreaState, type ResearchApi } from '../../src/lib/state/research-area.svelte';

/**
 * Exporting as a researcher sees it: the format chosen, a progress bar fed by polling, the
 * files and the manifest when done; a failed start says why in words and keeps the choices; a
 * poll that cannot reach the server says so and polling goes on; a reload resumes the job.
 */
const manifest: ExportManifest = {
	export_id: 'job-1',
	format: 'fhir-ndjson',
	filter: { country: 'FR' },
	options: { excelBom: false, k: 5 },
	created_at: '2026-12-07T12:00:00.000Z',
	finished_at: '2026-12-07T12:00:05.000Z',
	software: { name: 'dazzle', version: '0.1.0' },
	consent_versions: ['1', '2'],
	quasi_identifiers: ['age_band', 'country', 'sex', 'disease'],
	suppression: {
		k: 5,
		records_in: 120,
		records_out: 112,
		age_widened: 9,
		country_generalised: 4,
		suppressed: 8,
		identifier_rejected: 0
	},
	files: [
		{
			name: 'responses.ndjson',
			media_type: 'application/x-ndjson',
			bytes: 2048,
			rows: 112,
			sha256: 'a'.repeat(64)
		}
	]
};

function job(state: ExportStatus['state'], done: number, total: number): ExportStatus {
	return {
		id: 'job-1',
		format: 'fhir-ndjson',
		filter: { country: 'FR' },
		state,
		created_at: manifest.created_at,
		updated_at: manifest.created_at,
		progress: { done, total },
		files:
			state === 'done'
				? [
						...manifest.files,
						{
							name: 'manifest.json',
							media_type: 'application/json',
							bytes: 900,
							rows: 0,
							sha256: 'b'.repeat(64)
						}
					]
				: [],
		...(state === 'done' ? { manifest } : {}),
		...(state === 'failed' ? { error: 'errors.research_export_failed' } : {})
	};
}

function memoryStorage() {
	const items = new Map<string, string>();
	return {
		getItem: (key: string) => items.get(key) ?? null,
		setItem: (key: string, value: string) => void items.set(key, value),
		removeItem: (key: string) => void items.delete(key)
	};
}

function fakeApi(polls: (ExportStatus | Error)[]) {
	const started: ExportRequestInput[] = [];
	const api: ResearchApi = {
		fetchCohort: vi.fn(),
		startExport: vi.fn(async (body: ExportRequestInput) => {
			started.push(body);
			return { id: 'job-1', status: job('queued', 0, 0) };
		}),
		fetchExport: vi.fn(async () => {
			const next = polls.shift();
			if (!next) throw new Error('no more polls');
			if (next instanceof Error) throw next;
			return next;
		})
	};
	return { api, started };
}

let state: ResearchAreaState | undefined;
afterEach(() => state?.dispose());

describe('ExportPanel', () => {
	it('starts the chosen format for the filter, shows progress, then the files and the manifest', async () => {
		const user = userEvent.setup();
		const { api, started } = fakeApi([job('running', 40, 120), job('done', 120, 120)]);
		state = new ResearchAreaState({ country: 'FR' }, { api, storage: memoryStorage(), pollMs: 20 });
		render(ExportPanel, { research: state });

		await user.click(screen.getByRole('radio', { name: /FHIR R4 NDJSON/ }));
		expect(screen.queryByRole('checkbox', { name: /Excel/ })).toBeNull();
		await user.click(screen.getByRole('button', { name: 'Start export' }));
		expect(started).toEqual([
			{ format: 'fhir-ndjson', filter: { country: 'FR' }, options: { excelBom: false, k: 5 } }
		]);
		const bar = await screen.findByRole('progressbar', { name: 'Export progress' });
		expect(bar.hasAttribute('value')).toBe(false); // queued: total not known yet
		expect(await screen.findByText('Exporting: 40 of 120 records')).toBeTruthy();
		expect((screen.getByRole('progressbar') as HTMLProgressElement).value).toBeCloseTo(1 / 3);

		const ready = await screen.findByText('Export ready: 2 files.');
		expect(ready).toBeTruthy();
		expect(screen.queryByRole('progressbar')).toBeNull();
		expect(screen.getByRole('link', { name: 'responses.ndjson' }).getAttribute('href')).toBe(
			'/api/research/exports/job-1/files/responses.ndjson'
		);
		await user.click(screen.getByRole('button', { name: 'Show the manifest' }));
		const shown = screen.getByTestId('export-manifest');
		expect(shown.textContent).toContain('Country: France');
		expect(shown.textContent).toContain('1, 2');
		const safety = within(screen.getByTestId('manifest-suppression'));
		expect(safety.getByText('Left out: group smaller than k').nextElementSibling?.textContent).toBe(
			'8'
		);
		expect(within(shown).getByText('a'.repeat(64))).toBeTruthy();
		expect(
			within(shown).getByRole('link', { name: 'Download manifest.json' }).getAttribute('href')
		).toBe('/api/research/exports/job-1/files/manifest.json');
	});

	it('says why a start failed, in words, and keeps the format for another try', async () => {
		const user = userEvent.setup();
		const { api } = fakeApi([]);
		vi.mocked(api.startExport).mockRejectedValueOnce(
			new ApiRequestError(400, 'errors.research_export_invalid')
		);
		state = new ResearchAreaState({}, { api, storage: memoryStorage(), pollMs: 20 });
		render(ExportPanel, { research: state });
		await user.click(screen.getByRole('radio', { name: /Phenopacket/ }));
		await user.click(screen.getByRole('button', { name: 'Start export' }));
		const alert = await screen.findByRole('alert');
		expect(alert.textContent).toContain('The export failed: This export cannot be made.');
		expect(alert.textContent).not.toContain('errors.');
		expect((screen.getByRole('radio', { name: /Phenopacket/ }) as HTMLInputElement).checked).toBe(
			true
		);
		await user.click(screen.getByRole('button', { name: 'Try again' }));
		expect(vi.mocked(api.startExport).mock.calls.at(-1)?.[0]).toMatchObject({
			format: 'phenopacket'
		});
	});

	it('keeps polling through a lost connection, and a reload resumes the job', async () => {
		const storage = memoryStorage();
		const { api } = fakeApi([new NetworkError(), job('running', 10, 100)]);
		state = new ResearchAreaState({}, { api, storage, username: 'ana', pollMs: 20 });
		render(ExportPanel, { research: state });
		await userEvent.setup().click(screen.getByRole('button', { name: 'Start export' }));
		expect(await screen.findByText(/Progress can’t be checked right now/)).toBeTruthy();
		expect(await screen.findByText('Exporting: 10 of 100 records')).toBeTruthy();
		state.dispose();

		// Another visit by the same researcher: the job is picked up where it is.
		const again = fakeApi([job('done', 100, 100)]);
		state = new ResearchAreaState({}, { api: again.api, storage, username: 'ana', pollMs: 20 });
		await state.resume();
		expect(state.exportView.kind).toBe('done');
		// Another researcher on the device does not see it.
		const other = new ResearchAreaState({}, { api: again.api, storage, username: 'bo' });
		await other.resume();
		expect(other.exportView.kind).toBe('idle');
	});
});

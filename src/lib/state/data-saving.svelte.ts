import {
	deviceConnectivity,
	type DataSavingConnectivity,
	type DataSavingSnapshot,
	type SyncTarget
} from '$lib/sync/data-saving';
import {
	deviceTrafficMeter,
	RESET_DAY_MAX,
	type TrafficMeter,
	type TrafficTotals
} from '$lib/sync/traffic';

/**
 * Data-saving mode and the data used this month, for Settings: the device's data-saving
 * connectivity and traffic meter (`lib/sync`) mirrored into runes, and their actions.
 */
export class DataSavingState {
	/** Undefined until `follow()` has heard from both. */
	snapshot = $state.raw<DataSavingSnapshot | undefined>();
	totals = $state.raw<TrafficTotals | undefined>();
	/** The days of the month a billing period may start on. */
	readonly resetDays = Array.from({ length: RESET_DAY_MAX }, (_, index) => index + 1);
	#dataSaving: DataSavingConnectivity;
	#meter: TrafficMeter;

	constructor(
		dataSaving: DataSavingConnectivity = deviceConnectivity(),
		meter: TrafficMeter = deviceTrafficMeter()
	) {
		this.#dataSaving = dataSaving;
		this.#meter = meter;
	}

	/** Mirrors both (they call back at once with their current value); returns a stop. */
	follow(): () => void {
		const stopSaving = this.#dataSaving.observe((snapshot) => (this.snapshot = snapshot));
		const stopMeter = this.#meter.subscribe((totals) => (this.totals = totals));
		return () => {
			stopSaving();
			stopMeter();
		};
	}

	setEnabled(enabled: boolean): void {
		this.#dataSaving.setEnabled(enabled);
	}

	/** "Sync now" while data-saving mode holds sync back: one sync of `target` passes. */
	letOneSyncThrough(target: SyncTarget): void {
		this.#dataSaving.letOneSyncThrough(target);
	}

	setResetDay(day: number): void {
		this.#meter.setResetDay(day);
	}
}

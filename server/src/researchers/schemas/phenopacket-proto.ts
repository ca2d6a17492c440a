import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/**
 * Checks a phenopacket against the published GA4GH Phenopacket v2 protobuf definitions
 * (phenopacket-v2-proto/, copied from phenopackets/phenopacket-schema: see its README), in the
 * canonical protobuf JSON mapping Dazzle writes: lowerCamelCase field names, enums by name,
 * Timestamps as RFC 3339 strings, 64-bit integers as strings or numbers. Strict: an unknown
 * field, a wrong type, an unknown enum name or two members of one oneof is a problem. proto3
 * has no required fields; the few the definitions' comments mark REQUIRED are checked too.
 * Tests only (protobufjs is a dev dependency).
 */

const PROTO_DIR = fileURLToPath(new URL('./phenopacket-v2-proto/', import.meta.url));
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
/** Fields the definitions' comments call REQUIRED (by message full name). */
const REQUIRED: Record<string, string[]> = {
	'.org.phenopackets.schema.v2.Phenopacket': ['metaData'],
	'.org.phenopackets.schema.v2.core.OntologyClass': ['id'],
	'.org.phenopackets.schema.v2.core.Update': ['timestamp']
};

let loaded: protobuf.Type | undefined;

/** The `org.phenopackets.schema.v2.Phenopacket` message type. */
export function phenopacketType(): protobuf.Type {
	if (loaded) return loaded;
	const root = new protobuf.Root();
	root.resolvePath = (_origin, target) =>
		target.startsWith('google/protobuf/') ? target : `${PROTO_DIR}${target}`;
	root.loadSync('phenopackets/schema/v2/phenopackets.proto');
	root.resolveAll();
	loaded = root.lookupType('org.phenopackets.schema.v2.Phenopacket');
	return loaded;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
	typeof value === 'object' && value !== null && !Array.isArray(value);

function checkScalar(type: string, value: unknown, at: string, problems: string[]): void {
	const fail = () => problems.push(`${at}: ${JSON.stringify(value)} is not a ${type}`);
	switch (type) {
		case 'string':
			if (typeof value !== 'string') fail();
			return;
		case 'bool':
			if (typeof value !== 'boolean') fail();
			return;
		case 'double':
		case 'float':
			if (typeof value !== 'number') fail();
			return;
		case 'int32':
		case 'sint32':
		case 'sfixed32':
			if (!Number.isInteger(value)) fail();
			return;
		case 'uint32':
		case 'fixed32':
			if (!Number.isInteger(value) || (value as number) < 0) fail();
			return;
		case 'int64':
		case 'sint64':
		case 'sfixed64':
			if (!(Number.isInteger(value) || (typeof value === 'string' && /^-?\d+$/.test(value))))
				fail();
			return;
		case 'uint64':
		case 'fixed64':
			if (!(
				(Number.isInteger(value) && (value as number) >= 0) ||
				(typeof value === 'string' && /^\d+$/.test(value))
			))
				fail();
			return;
		case 'bytes':
			if (typeof value !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) fail();
			return;
		default:
			problems.push(`${at}: unknown scalar type ${type}`);
	}
}

function checkValue(field: protobuf.Field, value: unknown, at: string, problems: string[]): void {
	const resolved = field.resolvedType;
	if (resolved instanceof protobuf.Enum) {
		if (typeof value !== 'string' || !(value in resolved.values)) {
			problems.push(`${at}: ${JSON.stringify(value)} is not a value of ${resolved.name}`);
		}
	} else if (resolved instanceof protobuf.Type) {
		checkMessage(resolved, value, at, problems);
	} else {
		checkScalar(field.type, value, at, problems);
	}
}

function checkMessage(type: protobuf.Type, value: unknown, at: string, problems: string[]): void {
	if (type.fullName === '.google.protobuf.Timestamp') {
		if (typeof value !== 'string' || !TIMESTAMP.test(value)) {
			problems.push(`${at}: ${JSON.stringify(value)} is not an RFC 3339 timestamp`);
		}
		return;
	}
	if (!isObject(value)) {
		problems.push(`${at}: expected a ${type.name} object`);
		return;
	}
	for (const [key, item] of Object.entries(value)) {
		const field = type.fields[key];
		if (!field) {
			problems.push(`${at}.${key}: no such field in ${type.name}`);
			continue;
		}
		field.resolve();
		if (field instanceof protobuf.MapField) {
			if (!isObject(item)) problems.push(`${at}.${key}: expected a map`);
			else
				for (const [k, v] of Object.entries(item))
					checkValue(field, v, `${at}.${key}.${k}`, problems);
		} else if (field.repeated) {
			if (!Array.isArray(item)) problems.push(`${at}.${key}: expected a list`);
			else
				item.forEach((entry, index) =>
					checkValue(field, entry, `${at}.${key}[${index}]`, problems)
				);
		} else {
			checkValue(field, item, `${at}.${key}`, problems);
		}
	}
	for (const oneof of type.oneofsArray) {
		const set = oneof.oneof.filter((name) => value[name] !== undefined);
		if (set.length > 1)
			problems.push(`${at}: ${set.join(' and ')} are one ${oneof.name}: only one may be set`);
	}
	for (const name of REQUIRED[type.fullName] ?? []) {
		if (value[name] === undefined || value[name] === '') problems.push(`${at}.${name}: required`);
	}
}

/** Problems of `value` as a Phenopacket v2 (empty when it conforms). */
export function phenopacketProblems(value: unknown): string[] {
	const problems: string[] = [];
	checkMessage(phenopacketType(), value, '$', problems);
	return problems;
}

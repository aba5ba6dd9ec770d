import type { RecordedEvent } from '#event-store';
import { partyOfStream, policyStreamName } from '#domain';
import type { OutgoingMessage } from './port.js';

/** Where the JSON Schemas are published: the `$id` of `schemas/<Name>.json` is this plus the file name. */
export const schemaBaseUri = 'https://schemas.gesture-ledger.dev/v1/';

/** Version 1 of a type is `<Type>.json`; a later version gets its own file, `<Type>.v<n>.json`. */
export function eventSchemaUri(type: string, schemaVersion: number): string {
  return `${schemaBaseUri}${type}${schemaVersion === 1 ? '' : `.v${schemaVersion}`}.json`;
}

/** The CloudEvents `type` of a domain event: reverse-DNS-ish, versioned like the schema. */
export function cloudEventType(type: string, schemaVersion: number): string {
  return `dev.gesture-ledger.${type}.v${schemaVersion}`;
}

/** `ce_type` and `ce_dataschema` per event type and version, built once: the relay sets them on every record. */
const typeAttributes = new Map<string, { type: string; dataschema: string }>();
function typeAttributesOf(type: string, schemaVersion: number): { type: string; dataschema: string } {
  const key = `${type}/${schemaVersion}`;
  let attributes = typeAttributes.get(key);
  if (!attributes) {
    attributes = { type: cloudEventType(type, schemaVersion), dataschema: eventSchemaUri(type, schemaVersion) };
    // Bounded by the event types the domain defines; the guard keeps a bug from growing it without end.
    if (typeAttributes.size < 1_000) typeAttributes.set(key, attributes);
  }
  return attributes;
}

/**
 * Whether a stream holds the domain's events (budgets, loyalty, the policy), which the feed carries. The log
 * also holds the services' own bookkeeping (the escalation expiry's snapshots), which is nobody else's.
 */
export function isDomainStream(streamName: string): boolean {
  return partyOfStream(streamName) !== null || streamName === policyStreamName;
}

/**
 * The partition key of an event: the employee for budget events (so an employee's gestures stay in the
 * order they were decided), the customer for loyalty events, `policy` for the policy. Streams are one
 * per employee or customer, so the key follows from the stream name; other streams key by name.
 */
export function partitionKeyOf(streamName: string): string {
  return partyOfStream(streamName)?.id ?? (streamName === policyStreamName ? 'policy' : streamName);
}

/**
 * A recorded event as a Kafka record in CloudEvents binary mode (Kafka protocol binding 1.0): the event
 * data is the value, its attributes `ce_` headers. `ce_id` is the event id, unique and stable across
 * redeliveries, so consumers drop repeats by it; the schema version is in `ce_type` and `ce_dataschema`.
 * Extensions: `streamrevision` (strictly increasing per stream, `ce_subject`, not per key: an employee and a
 * customer may share an id, and so a key; the order check a consumer can make),
 * `correlationid` and `causationid`. The partition key is the record key (the partitioning extension's
 * `partitionkey` is not repeated as a header: kafkajs pays for every header of every record, and the
 * relay's throughput is bounded by that encoding).
 */
export function toCloudEventMessage(event: RecordedEvent, source: string): OutgoingMessage {
  const attributes = typeAttributesOf(event.type, event.schemaVersion);
  const headers: Record<string, string> = {
    ce_specversion: '1.0',
    ce_id: event.id,
    ce_source: source,
    ce_type: attributes.type,
    ce_time: event.metadata.recordedAt,
    ce_subject: event.streamName,
    ce_dataschema: attributes.dataschema,
    ce_streamrevision: String(event.revision),
    ce_correlationid: event.metadata.correlationId,
    'content-type': 'application/json',
  };
  if (event.metadata.causationId) headers.ce_causationid = event.metadata.causationId;
  return { key: partitionKeyOf(event.streamName), value: JSON.stringify(event.data), headers };
}

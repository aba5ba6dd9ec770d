/**
 * The one schema both SQL adapters use: PostgreSQL through `pg` and the embedded PGlite share it
 * word for word.
 *
 * Why `transaction_id`: a sequence value is taken at INSERT but becomes visible at COMMIT, so a reader
 * following `global_position > last` could pass over a row whose transaction commits later and lose it
 * forever. Every row is stamped with its transaction's id (xid8); readers order and checkpoint by
 * (transaction_id, global_position) and only read below the oldest transaction still running
 * (`pg_snapshot_xmin`), below which nothing can commit any more.
 */
import { createHash } from 'node:crypto';
import { sqlLogPartitionFilter } from '../log-partition.js';
export const SCHEMA_LOCK_KEY = 7_301_447_001;

const schemaDefinition = `
begin;
select pg_advisory_xact_lock(${SCHEMA_LOCK_KEY});

create table if not exists gl_events (
  global_position bigint generated always as identity,
  transaction_id  xid8   not null default pg_current_xact_id(),
  stream_name     text   not null,
  stream_revision bigint not null,
  event_id        uuid   not null,
  event_type      text   not null,
  schema_version  int    not null,
  data            jsonb  not null,
  metadata        jsonb  not null,
  constraint gl_events_stream_revision primary key (stream_name, stream_revision),
  constraint gl_events_event_id unique (event_id)
);
create index if not exists gl_events_log_order on gl_events (transaction_id, global_position);

-- The current revision of every stream; its row lock is what serialises appends to one stream.
-- revision -1 marks a placeholder left by a failed first append: the stream does not exist.
create table if not exists gl_streams (
  stream_name text   primary key,
  revision    bigint not null
);

-- What an append whose event ids are already stored amounts to: a repeat of an earlier append
-- ('duplicate', with that append's result) or a conflict (an id reused with other content, in another
-- stream, or only some of the ids). No row when none of the ids is stored.
create or replace function gl_find_repeat(s text, ev jsonb)
returns table(status text, revision text, commit_id text, prepare text, detail text)
language sql stable as $fn$
  select case when other_n > 0 or changed_n > 0 or found_n < jsonb_array_length(ev) then 'id_conflict' else 'duplicate' end,
         case when other_n > 0 or changed_n > 0 or found_n < jsonb_array_length(ev) then first_id else last_rev::text end,
         case when other_n > 0 or changed_n > 0 or found_n < jsonb_array_length(ev) then null else last_tx end,
         case when other_n > 0 or changed_n > 0 or found_n < jsonb_array_length(ev) then null else last_pos::text end,
         case when other_n > 0 then 'other_stream' when changed_n > 0 then 'different_content'
              when found_n < jsonb_array_length(ev) then 'partial_retry' end
    from (select count(*)::int as found_n,
                 count(*) filter (where g.stream_name <> s)::int as other_n,
                 count(*) filter (where g.event_type <> x.t or g.schema_version <> x.v or g.data <> x.d)::int as changed_n,
                 (array_agg(g.event_id::text order by g.stream_revision))[1] as first_id,
                 max(g.stream_revision) as last_rev,
                 (array_agg(g.transaction_id::text order by g.stream_revision desc))[1] as last_tx,
                 max(g.global_position) as last_pos
            from jsonb_to_recordset(ev) as x(id uuid, t text, v int, d jsonb)
            join gl_events g on g.event_id = x.id) found
   where found_n > 0
$fn$;

-- The parts of an append that idempotency compares (ids, types, versions, data), for spotting a repeat
-- of an append that sits earlier in the same batch and so is not in gl_events yet.
create or replace function gl_append_identity(ev jsonb) returns jsonb
language sql immutable as $fn$
  select jsonb_agg(jsonb_build_array(e->'id', e->'t', e->'v', e->'d') order by o) from jsonb_array_elements(ev) with ordinality as x(e, o)
$fn$;

-- Appends a batch of independent appends in one transaction (group commit). Each append keeps its own
-- idempotency and expected-revision check, and one that fails is reported alone while the rest are
-- written. Input: [{"s": stream, "e": "no_stream"|"stream_exists"|"any"|"<revision>",
--                   "ev": [{"id","t","v","d","m"}]}]
-- The happy path costs one statement per append (the stream's revision moves with a single upsert or
-- conditional update) plus one insert for the whole batch. Ids are looked up first only for 'any' and
-- 'stream_exists'; a repeated no_stream or exact-revision append always fails its revision check (its
-- own first attempt moved the stream), and only then are its ids looked up.
create or replace function gl_append(batch jsonb)
returns table(idx int, status text, revision text, commit_id text, prepare text, detail text)
language plpgsql as $fn$
declare
  a          jsonb;
  i          int;
  s          text;
  expected   text;
  n          int;
  current    bigint;
  moved      bigint;
  r          record;
  rep_status text;
  rep_rev    text;
  rep_commit text;
  rep_prep   text;
  rep_detail text;
  ok_idx     int[]    := '{}';
  ok_base    bigint[] := '{}';
  k          int;
  repeats    int[]    := array_fill(null::int, array[jsonb_array_length(batch)]);
  appends    int      := jsonb_array_length(batch);
  statuses   text[]   := array_fill(null::text, array[appends]);
  revisions  text[]   := array_fill(null::text, array[appends]);
  details    text[]   := array_fill(null::text, array[appends]);
  commits    text[]   := array_fill(null::text, array[appends]);
  prepares   text[]   := array_fill(null::text, array[appends]);
begin
  for i in 0 .. appends - 1 loop
    a := batch->i;
    s := a->>'s';
    expected := a->>'e';
    n := jsonb_array_length(a->'ev');
    moved := null;
    rep_status := null;
    if expected = 'any' or expected = 'stream_exists' then
      select * into rep_status, rep_rev, rep_commit, rep_prep, rep_detail from gl_find_repeat(s, a->'ev');
    end if;
    if rep_status is null then
      if expected = 'any' then
        insert into gl_streams as st (stream_name, revision) values (s, n - 1)
          on conflict (stream_name) do update set revision = st.revision + n
          returning st.revision into moved;
      elsif expected = 'no_stream' then
        -- Waits for a concurrent creator of the same stream to finish; a placeholder (-1) counts as none.
        insert into gl_streams as st (stream_name, revision) values (s, n - 1)
          on conflict (stream_name) do update set revision = n - 1 where st.revision = -1
          returning st.revision into moved;
      elsif expected = 'stream_exists' then
        update gl_streams st set revision = st.revision + n where st.stream_name = s and st.revision >= 0
          returning st.revision into moved;
      else
        update gl_streams st set revision = st.revision + n where st.stream_name = s and st.revision = expected::bigint
          returning st.revision into moved;
      end if;
      if moved is null and expected <> 'any' and expected <> 'stream_exists' then
        select * into rep_status, rep_rev, rep_commit, rep_prep, rep_detail from gl_find_repeat(s, a->'ev');
      end if;
    end if;

    if rep_status is null and moved is null then
      -- A retry racing its original inside this very batch: it gets the original's result.
      foreach k in array ok_idx loop
        if batch->k->>'s' = s and gl_append_identity(batch->k->'ev') = gl_append_identity(a->'ev') then
          repeats[i + 1] := k;
          exit;
        end if;
      end loop;
    end if;

    if repeats[i + 1] is not null then
      continue;
    elsif rep_status is not null then
      statuses[i + 1] := rep_status; revisions[i + 1] := rep_rev; commits[i + 1] := rep_commit;
      prepares[i + 1] := rep_prep; details[i + 1] := rep_detail;
    elsif moved is null then
      select st.revision into current from gl_streams st where st.stream_name = s;
      statuses[i + 1] := 'wrong_revision';
      revisions[i + 1] := case when current is null or current = -1 then 'no_stream' else current::text end;
    else
      ok_idx := ok_idx || i;
      ok_base := ok_base || (moved - n + 1);
    end if;
  end loop;

  if cardinality(ok_idx) > 0 then
    for r in
      with ins as (
        insert into gl_events (stream_name, stream_revision, event_id, event_type, schema_version, data, metadata)
        select batch->o.i->>'s', o.base + e.ord - 1, e.id, e.t, e.v, e.d, e.m
          from unnest(ok_idx, ok_base) as o(i, base)
          cross join lateral rows from (jsonb_to_recordset(batch->o.i->'ev') as (id uuid, t text, v int, d jsonb, m jsonb))
               with ordinality as e(id, t, v, d, m, ord)
         order by o.i, e.ord
        returning stream_name, stream_revision, global_position
      )
      select o.i, max(ins.stream_revision) as last_rev, max(ins.global_position) as last_pos
        from unnest(ok_idx, ok_base) as o(i, base)
        join ins on ins.stream_name = batch->o.i->>'s'
                and ins.stream_revision between o.base and o.base + jsonb_array_length(batch->o.i->'ev') - 1
       group by o.i
    loop
      statuses[r.i + 1] := 'ok';
      revisions[r.i + 1] := r.last_rev::text;
      commits[r.i + 1] := pg_current_xact_id()::text;
      prepares[r.i + 1] := r.last_pos::text;
    end loop;
  end if;

  -- Wakes subscribers in other processes (delivered at commit; repeats within a transaction fold into one).
  if cardinality(ok_idx) > 0 then
    perform pg_notify('gl_appended', '');
  end if;

  for i in 0 .. appends - 1 loop
    if repeats[i + 1] is not null then
      k := repeats[i + 1] + 1;
      statuses[i + 1] := 'duplicate'; revisions[i + 1] := revisions[k]; commits[i + 1] := commits[k]; prepares[i + 1] := prepares[k];
    end if;
  end loop;

  return query select (j - 1)::int, statuses[j], revisions[j], commits[j], prepares[j], details[j]
                 from generate_subscripts(statuses, 1) as j;
end
$fn$;
`;

/**
 * The schema's own text identifies it. `SqlEventStore.open` runs the DDL only when the database's
 * `gl_append` does not carry this fingerprint: a `create index if not exists` on an existing index still
 * takes a share lock on `gl_events`, so each process start would wait for every append in flight and hold
 * back every new one behind it (the whole cluster's writes stalled while a long transaction lasts).
 */
export const schemaFingerprint = createHash('sha256').update(schemaDefinition).digest('hex').slice(0, 32);
const schemaMark = `gesture-ledger event store schema ${schemaFingerprint}`;

export const schemaSql = `${schemaDefinition}
comment on function gl_append(jsonb) is '${schemaMark}';
commit;
`;

/** Whether the database already has this schema; takes no lock on any table. */
export const schemaIsCurrentSql = `select coalesce(obj_description(to_regprocedure('gl_append(jsonb)'), 'pg_proc') = '${schemaMark}', false) as current`;

// In `EventRow`'s order. The metadata comes as its JSON text: most readers of the log never look at it.
const eventColumns = `global_position::text as prepare, transaction_id::text as commit_id, stream_name, stream_revision::text as revision,
  event_id::text as id, event_type as type, schema_version, data, metadata::text as metadata`;

export const sql = {
  append: `select idx, status, revision, commit_id, prepare, detail from gl_append($1::jsonb)`,
  // What one append (as gl_append takes it) repeats or collides with among the stored events, if anything.
  findRepeat: `select 0 as idx, status, revision, commit_id, prepare, detail from gl_find_repeat($1, ($2::jsonb)->'ev')`,
  readStream: `select ${eventColumns} from gl_events where stream_name = $1 and stream_revision >= $2::bigint
    order by stream_revision limit $3`,
  readLast: `select ${eventColumns} from gl_events where stream_name = $1 order by stream_revision desc limit 1`,
  readById: `select ${eventColumns} from gl_events where event_id = $1::uuid and stream_name = $2`,
  // Only below the oldest running transaction: nothing can commit there any more (see above).
  readAll: `select ${eventColumns} from gl_events
    where (transaction_id, global_position) > ($1::xid8, $2::bigint)
      and transaction_id < pg_snapshot_xmin(pg_current_snapshot())
    order by transaction_id, global_position limit $3`,
  // The same, for one share of the log (a follower among several): filtered here, so no other share's row leaves the server.
  readAllPartition: `select ${eventColumns} from gl_events
    where (transaction_id, global_position) > ($1::xid8, $2::bigint)
      and transaction_id < pg_snapshot_xmin(pg_current_snapshot())
      and ${sqlLogPartitionFilter(4)}
    order by transaction_id, global_position limit $3`,
  // The newest stamped transaction against the next one the cluster will assign: stamped at or past it, the rows
  // came from another cluster (a logical restore, pg_dump into a new server), and ordering by transaction id breaks.
  stampsAhead: `select (select g.transaction_id::text from gl_events g order by g.transaction_id desc, g.global_position desc limit 1) as newest,
    pg_snapshot_xmax(pg_current_snapshot())::text as next`,
  head: `select transaction_id::text as commit_id, global_position::text as prepare from gl_events
    where transaction_id < pg_snapshot_xmin(pg_current_snapshot())
    order by transaction_id desc, global_position desc limit 1`,
} as const;

/** A stored event as the reads select it (`queryArrays`), in `eventColumns`' order. */
export type EventRow = readonly [prepare: string, commitId: string, streamName: string, revision: string, id: string, type: string, schemaVersion: number, data: unknown, metadataJson: string];

export interface AppendRow {
  idx: number;
  status: 'ok' | 'duplicate' | 'wrong_revision' | 'id_conflict';
  revision: string;
  commit_id: string | null;
  prepare: string | null;
  detail: 'other_stream' | 'different_content' | 'partial_retry' | null;
}

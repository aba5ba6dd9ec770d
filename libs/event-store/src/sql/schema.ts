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
export const SCHEMA_LOCK_KEY = 7_301_447_001;

export const schemaSql = `
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

-- Appends a batch of independent appends in one transaction (group commit). Each append keeps its own
-- idempotency and expected-revision check, and one that fails is reported alone while the rest are
-- written. Input: [{"s": stream, "e": "no_stream"|"stream_exists"|"any"|"<revision>",
--                   "ev": [{"id","t","v","d","m"}]}]
create or replace function gl_append(batch jsonb)
returns table(idx int, status text, revision text, commit_id text, prepare text, detail text)
language plpgsql as $fn$
declare
  a          jsonb;
  a_idx      bigint;
  s          text;
  expected   text;
  n          int;
  current    bigint;
  found_n    int;
  other_n    int;
  changed_n  int;
  dup_rev    bigint;
  dup_tx     xid8;
  dup_pos    bigint;
  dup_id     uuid;
  last_pos   bigint;
begin
  for a, a_idx in select value, ordinality from jsonb_array_elements(batch) with ordinality loop
    idx := a_idx - 1;
    s := a->>'s';
    expected := a->>'e';
    n := jsonb_array_length(a->'ev');

    -- Idempotency first: a retry of an append that succeeded must return its original result
    -- even though the stream has moved past the revision it expected.
    select count(*)::int,
           count(*) filter (where g.stream_name <> s)::int,
           count(*) filter (where g.stream_name = s and (g.event_type <> x.t or g.schema_version <> x.v or g.data <> x.d))::int,
           (array_agg(g.event_id order by g.stream_name <> s desc, g.event_type <> x.t or g.schema_version <> x.v or g.data <> x.d desc))[1]
      into found_n, other_n, changed_n, dup_id
      from jsonb_to_recordset(a->'ev') as x(id uuid, t text, v int, d jsonb)
      join gl_events g on g.event_id = x.id;
    if found_n > 0 then
      if other_n > 0 then
        status := 'id_conflict'; detail := 'other_stream'; revision := dup_id::text; commit_id := null; prepare := null;
      elsif changed_n > 0 then
        status := 'id_conflict'; detail := 'different_content'; revision := dup_id::text; commit_id := null; prepare := null;
      elsif found_n < n then
        status := 'id_conflict'; detail := 'partial_retry'; revision := dup_id::text; commit_id := null; prepare := null;
      else
        select g.stream_revision, g.transaction_id, g.global_position into dup_rev, dup_tx, dup_pos
          from jsonb_to_recordset(a->'ev') as x(id uuid) join gl_events g on g.event_id = x.id
          order by g.stream_revision desc limit 1;
        status := 'duplicate'; detail := null; revision := dup_rev::text; commit_id := dup_tx::text; prepare := dup_pos::text;
      end if;
      return next;
      continue;
    end if;

    if expected = 'no_stream' or expected = 'any' then
      -- Waits for a concurrent creator of the same stream to finish, then the next statement sees it.
      insert into gl_streams (stream_name, revision) values (s, -1) on conflict do nothing;
    end if;
    select st.revision into current from gl_streams st where st.stream_name = s for update;
    if not found then
      current := -1;
    end if;

    if (expected = 'no_stream' and current <> -1)
       or (expected = 'stream_exists' and current = -1)
       or (expected not in ('no_stream', 'stream_exists', 'any') and current <> expected::bigint) then
      status := 'wrong_revision'; detail := null;
      revision := case when current = -1 then 'no_stream' else current::text end;
      commit_id := null; prepare := null;
      return next;
      continue;
    end if;

    with ins as (
      insert into gl_events (stream_name, stream_revision, event_id, event_type, schema_version, data, metadata)
      select s, current + x.ord, x.id, x.t, x.v, x.d, x.m
        from rows from (jsonb_to_recordset(a->'ev') as (id uuid, t text, v int, d jsonb, m jsonb))
             with ordinality as x(id, t, v, d, m, ord)
      returning global_position
    )
    select max(ins.global_position) into last_pos from ins;
    update gl_streams set revision = current + n where stream_name = s;

    status := 'ok'; detail := null; revision := (current + n)::text;
    commit_id := pg_current_xact_id()::text; prepare := last_pos::text;
    return next;
  end loop;
end
$fn$;

commit;
`;

const eventColumns = `global_position::text as prepare, transaction_id::text as commit_id, stream_name, stream_revision::text as revision,
  event_id::text as id, event_type as type, schema_version, data, metadata`;

export const sql = {
  append: `select idx, status, revision, commit_id, prepare, detail from gl_append($1::jsonb)`,
  readStream: `select ${eventColumns} from gl_events where stream_name = $1 and stream_revision >= $2::bigint
    order by stream_revision limit $3`,
  // Only below the oldest running transaction: nothing can commit there any more (see above).
  readAll: `select ${eventColumns} from gl_events
    where (transaction_id, global_position) > ($1::xid8, $2::bigint)
      and transaction_id < pg_snapshot_xmin(pg_current_snapshot())
    order by transaction_id, global_position limit $3`,
  head: `select transaction_id::text as commit_id, global_position::text as prepare from gl_events
    where transaction_id < pg_snapshot_xmin(pg_current_snapshot())
    order by transaction_id desc, global_position desc limit 1`,
} as const;

export interface EventRow {
  prepare: string;
  commit_id: string;
  stream_name: string;
  revision: string;
  id: string;
  type: string;
  schema_version: number;
  data: unknown;
  metadata: unknown;
}

export interface AppendRow {
  idx: number;
  status: 'ok' | 'duplicate' | 'wrong_revision' | 'id_conflict';
  revision: string;
  commit_id: string | null;
  prepare: string | null;
  detail: 'other_stream' | 'different_content' | 'partial_retry' | null;
}

-- The loader may create comment partitions (a SECURITY DEFINER function), so the function
-- bounds what it will make: months from VK's first year to a few months past today. A wrong
-- date in a request (year 0200, year 9999) is refused with a message instead of making
-- thousands of partitions, each a table with its indexes.
CREATE OR REPLACE FUNCTION vk.ensure_comment_partitions(from_ts timestamptz, to_ts timestamptz)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
    earliest constant timestamptz := '2006-10-01 00:00:00+00';  -- VK opened in October 2006
    latest timestamptz := now() + interval '3 months';
    month_start timestamp := date_trunc('month', from_ts AT TIME ZONE 'UTC');
    partition_name text;
    created integer := 0;
BEGIN
    IF to_ts <= from_ts THEN
        RETURN 0;
    END IF;
    IF from_ts < earliest OR to_ts > latest THEN
        RAISE EXCEPTION 'comment partitions are made only for % .. %, not for % .. %',
            earliest::date, latest::date, from_ts, to_ts
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'VK has no comments before 2006; months ahead are made by the schedule.';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('vk.comments partitions'));
    WHILE month_start < (to_ts AT TIME ZONE 'UTC') LOOP
        partition_name := format('comments_%s', to_char(month_start, 'YYYY_MM'));
        IF to_regclass(format('vk.%I', partition_name)) IS NULL THEN
            EXECUTE format(
                'CREATE TABLE vk.%I PARTITION OF vk.comments FOR VALUES FROM (%L) TO (%L)',
                partition_name,
                month_start AT TIME ZONE 'UTC',
                (month_start + interval '1 month') AT TIME ZONE 'UTC');
            created := created + 1;
        END IF;
        month_start := month_start + interval '1 month';
    END LOOP;
    RETURN created;
END
$$;

-- Least-privileged logins may ask which revision the schema is at (the commands that would
-- migrate check first, and leave migrating to the owner when the schema is current).
GRANT SELECT ON public.alembic_version TO vk_loader, vk_reader;

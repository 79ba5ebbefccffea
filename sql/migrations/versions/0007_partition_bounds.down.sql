-- Back to the unbounded function of revision 0002.
CREATE OR REPLACE FUNCTION vk.ensure_comment_partitions(from_ts timestamptz, to_ts timestamptz)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
    month_start timestamp := date_trunc('month', from_ts AT TIME ZONE 'UTC');
    partition_name text;
    created integer := 0;
BEGIN
    IF to_ts <= from_ts THEN
        RETURN 0;
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

REVOKE SELECT ON public.alembic_version FROM vk_loader, vk_reader;

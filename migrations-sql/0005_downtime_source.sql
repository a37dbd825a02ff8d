-- 0005: where a completed migration's measured downtime comes from.
--   job_stats         the destination's completed-job statistics (pre-copy:
--                     QEMU's own measure, from the source's stop to the
--                     destination's start)
--   lifecycle_events  post-copy, where libvirt keeps no completed statistics
--                     on the destination: the gap between the source's
--                     SUSPENDED and the destination's RESUMED domain events
ALTER TABLE migrations
    ADD COLUMN downtime_source text
        CHECK (downtime_source IN ('job_stats', 'lifecycle_events'));

-- 0010: the source's local disks, as its own check reported them to the
-- scheduler (check_source, forwarded in check_destination's answer), so
-- that the worker starts from them instead of listing them again.  A
-- common/msg.h disk list ({"v": 1, "disks": [...]}); NULL when not known.
ALTER TABLE migrations ADD COLUMN source_disks jsonb;

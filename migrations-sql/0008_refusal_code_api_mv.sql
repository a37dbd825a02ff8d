-- 0008: what crosses PostgreSQL between processes is typed.
--   reason_code  the class of a refusal beside its words: the err_code name
--                ('conflict': Nova's InstanceInvalidState, a 409 below
--                2.34; 'invalid': every other refusal, a 400), never a
--                prefix of the text
--   api_mv       the request's microversion as one number (2.30 = 2030),
--                in place of its text
ALTER TABLE migrations ADD COLUMN reason_code text;
ALTER TABLE migrations ADD COLUMN api_mv integer NOT NULL DEFAULT 2001;
UPDATE migrations
   SET api_mv = split_part(api_microversion, '.', 1)::int * 1000
                + split_part(api_microversion, '.', 2)::int
 WHERE api_microversion ~ '^[0-9]+\.[0-9]+$';
UPDATE migrations SET reason_code = 'conflict'
 WHERE status = 'error' AND reason LIKE 'Cannot ''os-migrateLive'' instance %';
ALTER TABLE migrations DROP COLUMN api_microversion;

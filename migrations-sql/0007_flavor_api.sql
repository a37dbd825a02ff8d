-- 0007_flavor_api.sql: what Nova's flavor reads show of a flavor.
--
-- GET /flavors[/detail|/{id}] answer with the flavors Ferry knows (those of
-- the imported guests, and any an operator adds): Nova's description (2.55),
-- public or private, disabled, rxtx_factor and vcpu_weight (a sort key),
-- updated_at, and the projects a private flavor is shared with
-- (os-flavor-access), which decide who sees it.
ALTER TABLE flavors
    ADD COLUMN description  text,
    ADD COLUMN is_public    boolean NOT NULL DEFAULT true,
    ADD COLUMN disabled     boolean NOT NULL DEFAULT false,
    ADD COLUMN rxtx_factor  double precision NOT NULL DEFAULT 1.0,
    ADD COLUMN vcpu_weight  integer,
    ADD COLUMN updated_at   timestamptz;

CREATE TABLE flavor_projects (
    flavor_id   integer NOT NULL REFERENCES flavors(id) ON DELETE CASCADE,
    project_id  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (flavor_id, project_id)
);

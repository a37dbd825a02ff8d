-- 0011: the CPU features a guest requires, as ferry-compute decided them
-- when it imported the domain (compute/cpu.c, cpu_required_features): each
-- <feature> of its <cpu> whose policy is require or force, or has none.
-- What the scheduler's CPU pre-filter asks of a KVM host, so that it no
-- longer reads cpu_xml (kept: the destination's comparison needs the whole
-- document).  Rows imported before read theirs from cpu_xml, once, here.
ALTER TABLE instances ADD COLUMN cpu_features text[] NOT NULL DEFAULT '{}';
UPDATE instances SET cpu_features = ARRAY(
    SELECT f::text FROM unnest(xpath(
        '/cpu/feature[@policy=''require'' or @policy=''force'' or not(@policy)]/@name',
        cpu_xml::xml)) AS f)
WHERE cpu_xml IS NOT NULL AND xml_is_well_formed_document(cpu_xml);

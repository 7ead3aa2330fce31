from django.db import migrations

# TRUNCATE skips row triggers, so the append-only guard needs a statement trigger too. The
# application's role has no TRUNCATE privilege on action_log anyway (khareetaty.audit
# .database_roles); this also stops the owner unless it deliberately sets
# khareetaty.audit_truncate = 'allow' for its session (the test suite does, through
# PGOPTIONS, so Django can flush the test database between transactional tests).
REFUSE_TRUNCATE = """
CREATE OR REPLACE FUNCTION action_log_refuse_truncate() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('khareetaty.audit_truncate', true), '') = 'allow' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'action_log is append-only: TRUNCATE refused'
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER action_log_no_truncate
    BEFORE TRUNCATE ON action_log
    FOR EACH STATEMENT EXECUTE FUNCTION action_log_refuse_truncate();
"""

ALLOW_TRUNCATE = """
DROP TRIGGER IF EXISTS action_log_no_truncate ON action_log;
DROP FUNCTION IF EXISTS action_log_refuse_truncate();
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_entry_key_id")]

    operations = [migrations.RunSQL(REFUSE_TRUNCATE, ALLOW_TRUNCATE)]

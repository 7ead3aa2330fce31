from django.db import migrations

# The application never updates or deletes audit entries; the database makes sure of it.
REFUSE_CHANGES = """
CREATE OR REPLACE FUNCTION action_log_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'action_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER action_log_append_only
    BEFORE UPDATE OR DELETE ON action_log
    FOR EACH ROW EXECUTE FUNCTION action_log_refuse_change();
"""

ALLOW_CHANGES = """
DROP TRIGGER IF EXISTS action_log_append_only ON action_log;
DROP FUNCTION IF EXISTS action_log_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunSQL(REFUSE_CHANGES, ALLOW_CHANGES)]

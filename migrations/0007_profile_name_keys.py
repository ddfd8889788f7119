"""Profile names get a unique key of what they look like (``resolvers.names.name_key``).

A unique, non-null column cannot be added to a table that has rows, so it is added
nullable, filled, then required. Existing profiles get the key of their name; if two
existing names turn out too alike, the later one's key carries its id, so that this
migration never fails and the earlier name keeps its look-alikes out. Profiles closed
before now have their names freed, as closing a profile does from now on, and kept
as ``former_name`` for the research export's redaction.
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from resolvers.names import freed_name, name_key


async def fill_name_keys(apps, schema_editor) -> None:
    User = apps.get_model("haven.User")
    db = schema_editor.client
    taken: set[str] = set()
    rows = await (
        User.all().order_by("id").using_db(db).values_list("id", "profile_name", "closed_at")
    )
    for user_id, profile_name, closed_at in rows:
        former_name = None
        if closed_at is not None:
            former_name, profile_name = profile_name, freed_name(user_id)
            key = profile_name
        else:
            key = name_key(profile_name)
            if key in taken:
                key = f"{key}#{user_id}"  # "#" is in no key: this one matches no new name
        taken.add(key)
        await User.filter(id=user_id).using_db(db).update(
            profile_name=profile_name, name_key=key, former_name=former_name
        )


def on_sqlite(state_editor) -> bool:
    return state_editor is not None and state_editor.DIALECT == "sqlite"


# SQLite changes or drops a column by rebuilding the table (Tortoise's _remake_table),
# and dropping the old "users" table with foreign keys on deletes, by cascade, every row
# that refers to it: staff details, tokens, memberships, messages. These two operations
# keep to ALTER TABLE and indexes there.


class AddNameKeys(ops.AddField):
    """Add ``name_key``; undone on SQLite by dropping its index and the column alone."""

    async def database_backward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if not on_sqlite(state_editor):
            await super().database_backward(app_label, old_state, new_state, state_editor)
            return
        _, indexes = await state_editor.client.execute_query(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'users'"
            " AND sql LIKE '%\"name_key\"%'"
        )
        for index in indexes:
            await state_editor._run_sql(f'DROP INDEX "{index["name"]}"')
        await state_editor._run_sql('ALTER TABLE "users" DROP COLUMN "name_key"')


class RequireNameKeys(ops.AlterField):
    """Make ``name_key`` NOT NULL, except on SQLite, where the column stays nullable.

    Its unique index is already there, and the model never writes a NULL.
    """

    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if not on_sqlite(state_editor):
            await super().database_forward(app_label, old_state, new_state, state_editor)

    async def database_backward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if not on_sqlite(state_editor):
            await super().database_backward(app_label, old_state, new_state, state_editor)


class Migration(migrations.Migration):
    dependencies = [('haven', '0006_sign_in_throttle')]

    initial = False

    operations = [
        AddNameKeys(
            model_name='User',
            name='name_key',
            field=fields.CharField(unique=True, max_length=255, null=True),
        ),
        ops.AddField(
            model_name='User',
            name='former_name',
            field=fields.CharField(null=True, max_length=60),
        ),
        ops.RunPython(fill_name_keys, reverse_code=ops.RunPython.noop),
        RequireNameKeys(
            model_name='User',
            name='name_key',
            field=fields.CharField(unique=True, max_length=255),
        ),
    ]
